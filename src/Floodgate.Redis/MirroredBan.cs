using Floodgate.Penalties;

namespace Floodgate.Redis;

/// <summary>A ban in <see cref="RedisBanMirror"/>: the record, the local timestamp it ends at, and the change that wrote it.</summary>
internal sealed record MirroredBan(BanRecord Record, long EndsAt, long Change);
