namespace Floodgate.Server.Envoy;

/// <summary>A configuration file that cannot be used: the message names the file and the line.</summary>
public sealed class RlsConfigException : Exception
{
    public RlsConfigException()
    {
    }

    public RlsConfigException(string message)
        : base(message)
    {
    }

    public RlsConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal RlsConfigException(string file, long line, string problem, Exception? innerException = null)
        : base($"{file}:{line}: {problem}", innerException)
    {
    }
}
