using Floodgate.Penalties;

namespace Floodgate.Redis;

/// <summary>
/// A ban or unban this instance made and whose announcement has not come back yet (<see cref="RedisBanMirror"/>): the
/// ban (null for an unban), the local timestamp it ends at, the change's number, and until when (system clock) it is
/// trusted without its announcement.
/// </summary>
internal sealed record OwnBanChange(BanRecord? Ban, long EndsAt, long Change, long Until);
