using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Floodgate.AspNetCore;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Recording;

/// <summary>
/// The recent requests as the limiter saw them, for replays: time, client, tier, endpoint, path, policy and what was
/// decided (each asked one permit: the cost a request takes is its policy's, which the candidate of a replay sets). A request only hands its outcome to a bounded queue and returns (a full queue drops and counts); one
/// background loop interns the strings and writes compact <see cref="RecordingBlock"/>s. The record keeps
/// <see cref="RecordingOptions.Window"/> and at most <see cref="RecordingOptions.MaxRequests"/> requests, forgetting
/// whole blocks, oldest first. Each instance records its own requests; a replay reads them all (see docs/replay.md).
/// </summary>
internal sealed class RequestRecorder : BackgroundService
{
    /// <summary>Requests waiting for the loop; past it, requests are dropped and counted.</summary>
    public const int QueueSize = 65_536;

    /// <summary>How long the loop lets requests gather after writing them: the queue holds more than this long's requests at 500,000 a second.</summary>
    private static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(50);

    private readonly RecordingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxBlocks;
    private readonly Channel<Pending> _incoming = Channel.CreateBounded<Pending>(new BoundedChannelOptions(QueueSize)
    {
        FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite answers false when full
        SingleReader = true,
    });

    private readonly Lock _gate = new();
    private readonly Queue<RecordingBlock> _blocks = new();
    private RecordingBlock? _current;
    private long _dropped;

    public RequestRecorder(IOptions<RecordingOptions> options, TimeProvider timeProvider, IMeterFactory meters)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _maxBlocks = (_options.MaxRequests + RecordingBlock.Size - 1) / RecordingBlock.Size;
        var meter = meters.Create("Floodgate");
        meter.CreateObservableGauge("floodgate.recording.requests", () => Count, unit: "{request}", description: "Requests in this instance's record for replays.");
        meter.CreateObservableGauge("floodgate.recording.size", () => Bytes, unit: "By", description: "Memory of this instance's record for replays, about.");
        meter.CreateObservableCounter("floodgate.recording.dropped", () => Dropped, unit: "{request}", description: "Requests not recorded because the recording queue was full.");
    }

    public bool Enabled => _options.Enabled;

    /// <summary>Requests dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Requests in the record now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                var count = 0;
                foreach (var block in _blocks)
                {
                    count += block.Count;
                }

                return count;
            }
        }
    }

    /// <summary>The record's memory now, about.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                long bytes = 0;
                foreach (var block in _blocks)
                {
                    bytes += block.Bytes;
                }

                return bytes;
            }
        }
    }

    /// <summary>Distinct strings held in every block now.</summary>
    public int Strings
    {
        get
        {
            lock (_gate)
            {
                return _blocks.Sum(b => b.Strings);
            }
        }
    }

    /// <summary>
    /// Hands one limited request to the recording loop without waiting: <paramref name="time"/> when it arrived, its
    /// <paramref name="endpoint"/> (<see cref="Stats.EndpointNames"/>) and <paramref name="path"/>;
    /// <paramref name="letThrough"/> when it was denied but reached the application.
    /// </summary>
    public void Append(DateTimeOffset time, IRateLimitFeature feature, string endpoint, string path, bool letThrough)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var decision = feature.Decision;
        var outcome = decision.IsAllowed ? RecordedOutcome.Allowed
            : decision.Reason == RateLimitDenialReason.Banned ? RecordedOutcome.Banned
            : decision.Reason is not (RateLimitDenialReason.LimitExceeded or RateLimitDenialReason.None) ? RecordedOutcome.Refused
            : letThrough ? RecordedOutcome.LetThrough : RecordedOutcome.Denied;
        var pending = new Pending(Microseconds(time), feature.Client.Id, feature.Tier, endpoint, path, feature.Policy, decision.Layer, outcome);
        if (!_incoming.Writer.TryWrite(pending))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>The recorded requests decided in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    public List<RecordedRequest> Read(DateTimeOffset from, DateTimeOffset to)
    {
        var (start, end) = (Microseconds(from), Microseconds(to));
        var requests = new List<RecordedRequest>();
        lock (_gate)
        {
            foreach (var block in _blocks)
            {
                if (block.Last >= start && block.First < end)
                {
                    block.Read(start, end, requests);
                }
            }
        }

        return requests;
    }

    /// <summary>Writes every queued request into the blocks and forgets what fell out of the window. The loop's step; tests call it.</summary>
    internal void Drain()
    {
        lock (_gate)
        {
            while (_incoming.Reader.TryRead(out var pending))
            {
                Add(pending);
            }

            Forget(Microseconds(_timeProvider.GetUtcNow() - _options.Window));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _incoming.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                Drain();

                // Requests gather meanwhile: under load the loop wakes a few times a second, not once per request.
                await Task.Delay(DrainInterval, _timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static long Microseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private void Add(in Pending pending)
    {
        if (_current is null || _current.IsFull)
        {
            if (_blocks.Count == _maxBlocks)
            {
                _blocks.Dequeue();
            }

            _current = new RecordingBlock();
            _blocks.Enqueue(_current);
        }

        _current.Add(pending.Time, pending.Client, pending.Tier, pending.Endpoint, pending.Path, pending.Policy, pending.Layer, pending.Outcome);
    }

    /// <summary>Forgets the blocks whose last request is older than <paramref name="oldest"/>.</summary>
    private void Forget(long oldest)
    {
        while (_blocks.TryPeek(out var block) && block.Last < oldest)
        {
            _blocks.Dequeue();
            if (ReferenceEquals(block, _current))
            {
                _current = null;
            }
        }
    }

    /// <summary>A request on its way to the loop: its strings are those the request already had.</summary>
    private readonly record struct Pending(long Time, string Client, string? Tier, string Endpoint, string Path, string Policy, RateLimitLayer Layer, RecordedOutcome Outcome);
}
