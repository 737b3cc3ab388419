using Floodgate.AspNetCore.Replay;

namespace Floodgate.Replay.Logs;

/// <summary>
/// Streams the records of an access log, line by line, counting the lines it cannot read (never stopping at one) and
/// keeping the first <see cref="KeptMalformed"/> of them with their numbers. Blank lines are skipped.
/// </summary>
internal sealed class AccessLogReader(TextReader reader, LogFormat format)
{
    public const int KeptMalformed = 100;

    private readonly List<MalformedLine> _malformed = [];

    /// <summary>Lines read, blank ones included.</summary>
    public long Lines { get; private set; }

    /// <summary>Lines that could not be read.</summary>
    public long MalformedCount { get; private set; }

    /// <summary>The first malformed lines, with their numbers and reasons.</summary>
    public IReadOnlyList<MalformedLine> Malformed => _malformed;

    public IEnumerable<TraceRecord> Records()
    {
        while (reader.ReadLine() is { } line)
        {
            Lines++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (LogLineParser.TryParse(line, format, out var record, out var reason))
            {
                yield return record;
            }
            else
            {
                MalformedCount++;
                if (_malformed.Count < KeptMalformed)
                {
                    _malformed.Add(new MalformedLine(Lines, reason));
                }
            }
        }
    }
}
