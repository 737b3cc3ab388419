namespace Floodgate.Benchmarks;

/// <summary>
/// A dedicated worker that runs half of an invocation while the benchmark thread runs the other half. Started once
/// per benchmark process; handing over a slice costs a few microseconds, against milliseconds of work per slice.
/// </summary>
internal sealed class SecondThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private DecisionLoop? _loop;
    private int _start;
    private int _count;
    private long _admitted;
    private Exception? _failure;
    private volatile bool _stopping;

    public SecondThread()
    {
        _thread = new Thread(Work) { IsBackground = true, Name = "benchmark worker" };
        _thread.Start();
    }

    public void Start(DecisionLoop loop, int start, int count)
    {
        _loop = loop;
        _start = start;
        _count = count;
        _go.Release();
    }

    public long Join()
    {
        _done.Wait();
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("The worker thread failed.", failure);
        }

        return _admitted;
    }

    public void Dispose()
    {
        _stopping = true;
        _go.Release();
        _thread.Join();
        _go.Dispose();
        _done.Dispose();
    }

    private void Work()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _admitted = _loop!.Run(_start, _count);
            }
            catch (Exception e)
            {
                _failure = e;
            }

            _done.Release();
        }
    }
}
