using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Floodgate.Redis;

/// <summary>
/// The Lua resources composed into one script: the prelude, one file per algorithm, and the batch entry point that
/// decides several limits as one; and the penalty box's script. Loaded once; run with EVALSHA.
/// </summary>
internal static class RedisScripts
{
    public static readonly string Batch = Compose("prelude", "sliding_window_counter", "sliding_window_log", "token_bucket", "fixed_window", "gcra", "batch");

    public static readonly string Penalty = Compose("penalty");

#pragma warning disable CA5350 // SHA-1 is what EVALSHA names a script by; it protects nothing here.
    public static readonly byte[] BatchSha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Batch));

    public static readonly byte[] PenaltySha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Penalty));
#pragma warning restore CA5350

    private static string Compose(params string[] names)
    {
        var builder = new StringBuilder();
        foreach (var name in names)
        {
            using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream($"Floodgate.Redis.Scripts.{name}.lua")
                ?? throw new InvalidOperationException($"The script resource {name}.lua is missing.");
            using var reader = new StreamReader(stream);
            builder.Append(reader.ReadToEnd()).Append('\n');
        }

        return builder.ToString();
    }

    public static string ShortName(RateLimitAlgorithm algorithm) => algorithm switch
    {
        RateLimitAlgorithm.SlidingWindowCounter => "swc",
        RateLimitAlgorithm.SlidingWindowLog => "swl",
        RateLimitAlgorithm.TokenBucket => "tb",
        RateLimitAlgorithm.FixedWindow => "fw",
        RateLimitAlgorithm.Gcra => "gcra",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    internal static Assembly Assembly => typeof(RedisScripts).Assembly;
}
