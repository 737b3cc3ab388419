using System.Security.Cryptography;
using System.Text;
using Floodgate.Redis;

namespace Floodgate.RedisBench;

/// <summary>
/// The batch script the store runs, composed from the same embedded resources in the same order as the store's
/// (RedisScripts is internal to Floodgate.Redis). run.sh checks that its SHA1 is the one the store loads.
/// </summary>
internal static class ScriptFile
{
    public static readonly byte[] Bytes = Compose("prelude", "sliding_window_counter", "sliding_window_log", "token_bucket", "fixed_window", "gcra", "batch");

#pragma warning disable CA5350 // SHA-1 is how Redis names a script.
    public static readonly byte[] Sha1 = SHA1.HashData(Bytes);
#pragma warning restore CA5350

    private static byte[] Compose(params string[] names)
    {
        var builder = new StringBuilder();
        foreach (var name in names)
        {
            using var stream = typeof(RedisRateLimitStore).Assembly.GetManifestResourceStream($"Floodgate.Redis.Scripts.{name}.lua")
                ?? throw new IOException($"The script resource {name}.lua is missing.");
            using var reader = new StreamReader(stream);
            builder.Append(reader.ReadToEnd()).Append('\n');
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(builder.ToString());
    }
}
