using System.Globalization;
using StackExchange.Redis;

namespace Floodgate.RedisBench;

/// <summary>
/// Calls per command from Redis's <c>INFO commandstats</c>. Commands that a script runs inside count there too, beside
/// the script call itself; the <c>INFO</c> calls of the benchmark are left out.
/// </summary>
internal static class CommandStats
{
    private static readonly string[] ScriptCommands = ["evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro"];

    /// <summary>Calls and microseconds so far per command name (<c>evalsha</c>, <c>hmget</c>, <c>client|setname</c>, ...).</summary>
    public static Dictionary<string, (long Calls, long Microseconds)> Read(IServer server)
    {
        var stats = new Dictionary<string, (long Calls, long Microseconds)>(StringComparer.Ordinal);
        foreach (var group in server.Info("commandstats"))
        {
            foreach (var pair in group)
            {
                if (!pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
                {
                    continue;
                }

                // calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
                long calls = 0, microseconds = 0;
                foreach (var field in pair.Value.Split(','))
                {
                    if (field.StartsWith("calls=", StringComparison.Ordinal))
                    {
                        calls = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
                    }
                    else if (field.StartsWith("usec=", StringComparison.Ordinal))
                    {
                        microseconds = long.Parse(field["usec=".Length..], CultureInfo.InvariantCulture);
                    }
                }

                stats[pair.Key["cmdstat_".Length..]] = (calls, microseconds);
            }
        }

        return stats;
    }

    /// <summary>
    /// Per decision between two reads: script calls, commands executed (script calls and what they ran inside), and the
    /// microseconds Redis spent running scripts (commandstats usec: the script's own time, without the network).
    /// </summary>
    public static (double Scripts, double Executed, double ScriptMicroseconds) PerDecision(
        Dictionary<string, (long Calls, long Microseconds)> before, Dictionary<string, (long Calls, long Microseconds)> after, long decisions)
    {
        if (decisions == 0)
        {
            return (0, 0, 0);
        }

        long scripts = 0, executed = 0, scriptMicroseconds = 0;
        foreach (var (command, (calls, microseconds)) in after)
        {
            if (command == "info")
            {
                continue;
            }

            var earlier = before.GetValueOrDefault(command);
            executed += calls - earlier.Calls;
            if (ScriptCommands.Contains(command))
            {
                scripts += calls - earlier.Calls;
                scriptMicroseconds += microseconds - earlier.Microseconds;
            }
        }

        return ((double)scripts / decisions, (double)executed / decisions, (double)scriptMicroseconds / decisions);
    }
}
