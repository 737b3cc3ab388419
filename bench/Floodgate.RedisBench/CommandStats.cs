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

    /// <summary>Calls so far per command name (<c>evalsha</c>, <c>hmget</c>, <c>client|setname</c>, ...).</summary>
    public static Dictionary<string, long> Read(IServer server)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in server.Info("commandstats"))
        {
            foreach (var pair in group)
            {
                if (!pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
                {
                    continue;
                }

                // calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
                foreach (var field in pair.Value.Split(','))
                {
                    if (field.StartsWith("calls=", StringComparison.Ordinal))
                    {
                        calls[pair.Key["cmdstat_".Length..]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
                    }
                }
            }
        }

        return calls;
    }

    /// <summary>Script calls and commands executed (script calls and what they ran inside) per decision between two reads.</summary>
    public static (double Scripts, double Executed) PerDecision(Dictionary<string, long> before, Dictionary<string, long> after, long decisions)
    {
        if (decisions == 0)
        {
            return (0, 0);
        }

        long scripts = 0, executed = 0;
        foreach (var (command, calls) in after)
        {
            if (command == "info")
            {
                continue;
            }

            var delta = calls - before.GetValueOrDefault(command);
            executed += delta;
            if (ScriptCommands.Contains(command))
            {
                scripts += delta;
            }
        }

        return ((double)scripts / decisions, (double)executed / decisions);
    }
}
