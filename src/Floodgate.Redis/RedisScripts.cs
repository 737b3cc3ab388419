using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// The Lua resources composed into one script: the prelude, one file per algorithm, and the batch entry point that
/// decides several limits as one; and the penalty box's script. Loaded once; run with EVALSHA.
/// </summary>
internal static class RedisScripts
{
    public static readonly string Batch = Compose("prelude", "sliding_window_counter", "sliding_window_log", "token_bucket", "fixed_window", "gcra", "batch");

    public static readonly string Penalty = Compose("penalty");

    public static readonly string Identities = Compose("identities");

#pragma warning disable CA5350 // SHA-1 is what EVALSHA names a script by; it protects nothing here.
    public static readonly byte[] BatchSha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Batch));

    public static readonly byte[] PenaltySha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Penalty));

    public static readonly byte[] IdentitiesSha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Identities));
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

    /// <summary>Runs a script by its SHA-1, sending its text once when Redis does not know it (after a restart or a failover).</summary>
    public static async Task<RedisResult> EvaluateAsync(IDatabase database, byte[] sha1, string script, RedisKey[] keys, RedisValue[] arguments, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            return await database.ScriptEvaluateAsync(sha1, keys, arguments, RedisRateLimitStore.ScriptFlags).WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(script, keys, arguments, RedisRateLimitStore.ScriptFlags).WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
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
