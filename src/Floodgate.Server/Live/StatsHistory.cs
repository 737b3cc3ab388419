namespace Floodgate.Server.Live;

/// <summary>The <c>stats</c> events of the last five minutes, as the streams got them, oldest first.</summary>
internal sealed class StatsHistory
{
    private const int Seconds = 300;
    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _events = new(Seconds);

    /// <summary>Keeps one stats event (its JSON), forgetting the oldest past five minutes.</summary>
    public void Add(byte[] json)
    {
        lock (_gate)
        {
            if (_events.Count == Seconds)
            {
                _events.Dequeue();
            }

            _events.Enqueue(json);
        }
    }

    /// <summary>The events kept, oldest first, as one JSON array.</summary>
    public byte[] ToJson()
    {
        using var json = new MemoryStream();
        json.WriteByte((byte)'[');
        lock (_gate)
        {
            foreach (var item in _events)
            {
                if (json.Length > 1)
                {
                    json.WriteByte((byte)',');
                }

                json.Write(item);
            }
        }

        json.WriteByte((byte)']');
        return json.ToArray();
    }
}
