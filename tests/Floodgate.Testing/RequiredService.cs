using Xunit;

namespace Floodgate.Testing;

/// <summary>
/// A test that needs a real service (Redis, a browser) either runs against it or skips with the reason, unless
/// <c>FLOODGATE_REQUIRE_SERVICES=1</c> (as <c>./test.sh</c> sets), when a missing service fails the test.
/// </summary>
public static class RequiredService
{
    /// <summary>Whether missing services fail tests instead of skipping them.</summary>
    public static bool IsRequired => Environment.GetEnvironmentVariable("FLOODGATE_REQUIRE_SERVICES") == "1";

    /// <summary>Skips the current test with <paramref name="reason"/>, or fails it when services are required.</summary>
    public static void Unavailable(string reason)
    {
        if (IsRequired)
        {
            Assert.Fail($"{reason} (FLOODGATE_REQUIRE_SERVICES=1, so this fails instead of skipping)");
        }

        Assert.Skip(reason);
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, or <see langword="null"/>.</summary>
    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
