using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Floodgate.Server.Recording;

/// <summary>
/// A fixed block of recorded requests, 32 bytes each (<see cref="EntrySize"/>): the time and the cost as numbers, and
/// client, tier, endpoint and policy as indices into the block's own table of strings, each distinct string kept once a
/// block. A block is forgotten whole, its strings with it: the record is bounded by its blocks, whatever the clients.
/// Written by one thread; read under the recorder's lock.
/// </summary>
internal sealed class RecordingBlock
{
    /// <summary>Requests a block holds.</summary>
    public const int Size = 16_384;

    /// <summary>Bytes one request takes in a block, before its strings.</summary>
    public static readonly int EntrySize = Unsafe.SizeOf<Entry>();

    // A string's share of memory: the object header, length and UTF-16 characters; its table slot and dictionary entry.
    private const int StringOverhead = 24 + 8 + 24;

    private readonly Entry[] _entries = new Entry[Size];
    private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);
    private readonly List<string> _strings = [];
    private long _stringBytes;

    public int Count { get; private set; }

    public bool IsFull => Count == Size;

    /// <summary>The time of the first request, in microseconds since the Unix epoch.</summary>
    public long First => Count == 0 ? long.MaxValue : _entries[0].Time;

    /// <summary>The time of the last request, in microseconds since the Unix epoch.</summary>
    public long Last => Count == 0 ? long.MinValue : _entries[Count - 1].Time;

    /// <summary>Distinct strings in the block's table.</summary>
    public int Strings => _strings.Count;

    /// <summary>The block's memory, about: its entries and its strings.</summary>
    public long Bytes => ((long)Size * EntrySize) + _stringBytes;

    public void Add(long time, string client, string? tier, string endpoint, string policy, long cost, RateLimitLayer layer, RecordedOutcome outcome)
    {
        _entries[Count++] = new Entry(
            time,
            Intern(client),
            tier is null ? -1 : Intern(tier),
            Intern(endpoint),
            Intern(policy),
            (int)Math.Clamp(cost, 0, int.MaxValue),
            (byte)layer,
            outcome);
    }

    /// <summary>Adds the requests decided in [<paramref name="from"/>, <paramref name="to"/>) (microseconds since the Unix epoch) to <paramref name="into"/>.</summary>
    public void Read(long from, long to, List<RecordedRequest> into)
    {
        for (var i = 0; i < Count; i++)
        {
            ref readonly var entry = ref _entries[i];
            if (entry.Time >= from && entry.Time < to)
            {
                into.Add(new RecordedRequest(
                    DateTimeOffset.UnixEpoch.AddTicks(entry.Time * 10),
                    _strings[entry.Client],
                    entry.Tier < 0 ? null : _strings[entry.Tier],
                    _strings[entry.Endpoint],
                    _strings[entry.Policy],
                    entry.Cost,
                    (RateLimitLayer)entry.Layer,
                    entry.Outcome));
            }
        }
    }

    private int Intern(string value)
    {
        if (_indices.TryGetValue(value, out var index))
        {
            return index;
        }

        index = _strings.Count;
        _strings.Add(value);
        _indices.Add(value, index);
        _stringBytes += StringOverhead + (2L * value.Length);
        return index;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Entry(long Time, int Client, int Tier, int Endpoint, int Policy, int Cost, byte Layer, RecordedOutcome Outcome);
}
