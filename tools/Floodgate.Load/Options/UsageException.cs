namespace Floodgate.Load.Options;

/// <summary>The command line asks for something the tool does not do; the message says what and how to fix it.</summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
