using System.Runtime.CompilerServices;

namespace Floodgate.Server.Recording;

/// <summary>
/// A fixed block of recorded requests, 24 bytes each (<see cref="EntrySize"/>): the time as a number, client and path as
/// indices into the block's table of keys, endpoint, policy and tier as indices into its table of names, each distinct
/// string kept once a block. A block is forgotten whole, its strings with it: the record is bounded by its blocks,
/// whatever the clients send. Written by one thread; read under the recorder's lock.
/// </summary>
internal sealed class RecordingBlock
{
    /// <summary>Requests a block holds. Each adds at most three names, so name indices fit 16 bits.</summary>
    public const int Size = 16_384;

    /// <summary>Bytes one request takes in a block, before its strings.</summary>
    public static readonly int EntrySize = Unsafe.SizeOf<Entry>();

    private const ushort NoTier = ushort.MaxValue;

    // A string's share of memory: its object header and length, its table slot and its dictionary entry; then 2 bytes a character.
    private const int StringOverhead = 24 + 8 + 24;

    private readonly Entry[] _entries = new Entry[Size];
    private readonly StringTable _keys = new();
    private readonly StringTable _names = new();

    public int Count { get; private set; }

    public bool IsFull => Count == Size;

    /// <summary>The time of the first request, in microseconds since the Unix epoch.</summary>
    public long First => Count == 0 ? long.MaxValue : _entries[0].Time;

    /// <summary>The time of the last request, in microseconds since the Unix epoch.</summary>
    public long Last => Count == 0 ? long.MinValue : _entries[Count - 1].Time;

    /// <summary>Distinct strings in the block's tables.</summary>
    public int Strings => _keys.Count + _names.Count;

    /// <summary>The block's memory, about: its entries and its strings.</summary>
    public long Bytes => ((long)Size * EntrySize) + _keys.Bytes + _names.Bytes;

    public void Add(long time, string client, string? tier, string endpoint, string path, string policy, RateLimitLayer layer, RecordedOutcome outcome)
    {
        _entries[Count++] = new Entry(
            time,
            _keys.Intern(client),
            _keys.Intern(path),
            (ushort)_names.Intern(endpoint),
            (ushort)_names.Intern(policy),
            tier is null ? NoTier : (ushort)_names.Intern(tier),
            (byte)layer,
            outcome);
    }

    /// <summary>Adds the requests in [<paramref name="from"/>, <paramref name="to"/>) (microseconds since the Unix epoch) to <paramref name="into"/>.</summary>
    public void Read(long from, long to, List<RecordedRequest> into)
    {
        for (var i = 0; i < Count; i++)
        {
            ref readonly var entry = ref _entries[i];
            if (entry.Time >= from && entry.Time < to)
            {
                into.Add(new RecordedRequest(
                    DateTimeOffset.UnixEpoch.AddTicks(entry.Time * 10),
                    _keys[entry.Client],
                    entry.Tier == NoTier ? null : _names[entry.Tier],
                    _names[entry.Endpoint],
                    _keys[entry.Path],
                    _names[entry.Policy],
                    (RateLimitLayer)entry.Layer,
                    entry.Outcome));
            }
        }
    }

    private readonly record struct Entry(long Time, int Client, int Path, ushort Endpoint, ushort Policy, ushort Tier, byte Layer, RecordedOutcome Outcome);

    /// <summary>Distinct strings by index.</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);
        private readonly List<string> _strings = [];

        public int Count => _strings.Count;

        public long Bytes { get; private set; }

        public string this[int index] => _strings[index];

        public int Intern(string value)
        {
            if (_indices.TryGetValue(value, out var index))
            {
                return index;
            }

            index = _strings.Count;
            _strings.Add(value);
            _indices.Add(value, index);
            Bytes += StringOverhead + (2L * value.Length);
            return index;
        }
    }
}
