namespace Floodgate.Replay.Policies;

/// <summary>A policy file that cannot be used; the message has one line per problem, naming where it is.</summary>
internal sealed class PolicyFileException : Exception
{
    public PolicyFileException()
    {
    }

    public PolicyFileException(string message)
        : base(message)
    {
    }

    public PolicyFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
