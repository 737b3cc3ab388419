namespace Floodgate.Redis;

/// <summary>A Redis call that failed for a reason other than an outage, and when (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
internal sealed record RedisCallFailure(Exception Exception, long At);
