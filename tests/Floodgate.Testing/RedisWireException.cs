namespace Floodgate.Testing;

/// <summary>An error reply from Redis to <see cref="RedisWire.Call"/>.</summary>
public sealed class RedisWireException(string message) : Exception(message);
