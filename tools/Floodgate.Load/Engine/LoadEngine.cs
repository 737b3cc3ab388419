using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using Floodgate.Load.Options;
using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Engine;

/// <summary>
/// Runs a <see cref="LoadPlan"/>. The open model sends request <c>k</c> at its scheduled time whatever happened to
/// the ones before, and measures its latency from that scheduled time, so a stalled server shows in the latency
/// instead of silently slowing the load (no coordinated omission). The closed model runs N workers that each send
/// the next request when the last one is answered; its latency is measured from the actual send.
/// </summary>
internal sealed class LoadEngine
{
    /// <summary>How long requests still in flight may finish after Ctrl+C before they are cancelled.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    private readonly LoadPlan _plan;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentBag<CancellationTokenSource> _timeouts = [];
    private SemaphoreSlim? _slots;
    private long _issued;
    private int _started;
    private int _inFlight = 1; // the run's own reference, released when it stops issuing

    public LoadEngine(LoadPlan plan, TimeProvider time)
    {
        _plan = plan;
        _time = time;
        Recorder = new LoadRecorder(time, plan.Duration + plan.Timeout + StopGrace + TimeSpan.FromSeconds(5));
    }

    public LoadRecorder Recorder { get; }

    /// <summary>Runs to the end of the plan, or until <paramref name="stop"/>; either way returns what was measured.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A LoadEngine runs once.");
        }

        using var handler = CreateHandler(_plan);
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        using var abort = new CancellationTokenSource();
        using var stopping = stop.Register(() => abort.CancelAfter(StopGrace));
        using var slots = _plan.IsOpen ? new SemaphoreSlim(LoadLimits.MaxInFlight) : null;
        _slots = slots;

        // Build one request first, unsent: the first scheduled send should not wait for this code to compile.
        _plan.Request.Create(0).Dispose();
        var start = _time.GetTimestamp();
        Recorder.MarkStart(start);
        if (_plan.IsOpen)
        {
            await RunOpenAsync(invoker, start, abort.Token, stop);
        }
        else
        {
            await RunClosedAsync(invoker, start, abort.Token, stop);
        }

        End(); // the run's own reference: from here on the last response completes the drain
        await _drained.Task; // every request ends: answered, timed out (--timeout), or cancelled StopGrace after a stop
        var elapsed = _time.GetElapsedTime(start);
        while (_timeouts.TryTake(out var timeout))
        {
            timeout.Dispose();
        }

        return Recorder.ToResult(_plan, elapsed, stop.IsCancellationRequested);
    }

    internal static SocketsHttpHandler CreateHandler(LoadPlan plan) => new()
    {
        UseProxy = false, // a proxy from the environment would carry the traffic elsewhere
        AllowAutoRedirect = false, // a redirect could name another host: the target is the URL given, only
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = plan.Connections,
        ConnectTimeout = plan.Timeout,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectCallback = LoopbackOnly.ConnectAsync,
    };

    private async Task RunOpenAsync(HttpMessageInvoker invoker, long start, CancellationToken abort, CancellationToken stop)
    {
        var frequency = (double)_time.TimestampFrequency;
        long sequence = 0;
        foreach (var phase in _plan.Phases)
        {
            var count = phase.Count;
            for (long k = 0; k < count; k++, sequence++)
            {
                if (sequence >= _plan.MaxRequests || stop.IsCancellationRequested)
                {
                    return;
                }

                var due = start + (long)(phase.DueSeconds(k) * frequency);
                var wait = due - _time.GetTimestamp();
                if (wait > 0)
                {
                    // Timers tick in whole milliseconds: sleep at least one, then send everything that has come due.
                    var delay = TimeSpan.FromSeconds(wait / frequency);
                    if (!await DelayAsync(delay < OneMillisecond ? OneMillisecond : delay, stop))
                    {
                        return;
                    }
                }

                try
                {
                    await _slots!.WaitAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                Begin();
                _ = SendAsync(invoker, sequence, due, abort);
            }
        }
    }

    private async Task RunClosedAsync(HttpMessageInvoker invoker, long start, CancellationToken abort, CancellationToken stop)
    {
        var end = start + (long)(_plan.Duration.TotalSeconds * _time.TimestampFrequency);
        var workers = new Task[_plan.Concurrency!.Value];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(invoker, end, abort, stop), CancellationToken.None);
        }

        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(HttpMessageInvoker invoker, long end, CancellationToken abort, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var now = _time.GetTimestamp();
            if (now >= end)
            {
                return;
            }

            var sequence = Interlocked.Increment(ref _issued) - 1;
            if (sequence >= _plan.MaxRequests)
            {
                return;
            }

            Begin();
            await SendAsync(invoker, sequence, now, abort);
        }
    }

    /// <summary>One request, from its due time to the end of its response body; never throws.</summary>
    private async Task SendAsync(HttpMessageInvoker invoker, long sequence, long due, CancellationToken abort)
    {
        Recorder.RecordSent();
        CancellationTokenSource? timeout = null;
        try
        {
            using var request = _plan.Request.Create(sequence);
            timeout = RentTimeout(abort);
            Recorder.RecordSendLag(due, _time.GetTimestamp());
            using var response = await invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token).ConfigureAwait(false);
            Recorder.RecordResponse((int)response.StatusCode, due, _time.GetTimestamp());
        }
        catch (OperationCanceledException)
        {
            Recorder.RecordError(abort.IsCancellationRequested ? ErrorKind.Cancelled : ErrorKind.Timeout, _time.GetTimestamp());
        }
#pragma warning disable CA1031 // Any failure of one request is counted, never thrown: the run goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Recorder.RecordError(ErrorKinds.Classify(e), _time.GetTimestamp());
        }
        finally
        {
            ReturnTimeout(timeout);
            _slots?.Release();
            End();
        }
    }

    /// <summary>A timeout for one request, linked to <paramref name="abort"/>; reused, as a timer per request is costly.</summary>
    private CancellationTokenSource RentTimeout(CancellationToken abort)
    {
        if (!_timeouts.TryTake(out var timeout))
        {
            timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        }

        timeout.CancelAfter(_plan.Timeout);
        return timeout;
    }

    private void ReturnTimeout(CancellationTokenSource? timeout)
    {
        if (timeout is null)
        {
            return;
        }

        if (timeout.TryReset())
        {
            _timeouts.Add(timeout);
        }
        else
        {
            timeout.Dispose();
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _time, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Begin() => Interlocked.Increment(ref _inFlight);

    private void End()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }
}
