namespace Floodgate.Server.Recording;

/// <summary>
/// An instance's recorded requests of a range as bytes, for the instance that gathers them: a version, the dropped
/// count, the distinct strings once, then each request as its time and string indices (7-bit encoded) and two bytes.
/// </summary>
internal static class RecordingWire
{
    private const int Version = 1;

    public static byte[] Write(List<RecordedRequest> requests, long dropped)
    {
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var strings = new List<string>();
        int Index(string? value)
        {
            if (value is null)
            {
                return 0;
            }

            if (!indices.TryGetValue(value, out var index))
            {
                index = strings.Count + 1;
                indices.Add(value, index);
                strings.Add(value);
            }

            return index;
        }

        var records = new int[requests.Count * 5];
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            records[(i * 5) + 0] = Index(request.Client);
            records[(i * 5) + 1] = Index(request.Tier);
            records[(i * 5) + 2] = Index(request.Endpoint);
            records[(i * 5) + 3] = Index(request.Path);
            records[(i * 5) + 4] = Index(request.Policy);
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write7BitEncodedInt(Version);
            writer.Write7BitEncodedInt64(dropped);
            writer.Write7BitEncodedInt(strings.Count);
            foreach (var value in strings)
            {
                writer.Write(value);
            }

            writer.Write7BitEncodedInt(requests.Count);
            var previous = 0L;
            for (var i = 0; i < requests.Count; i++)
            {
                // Times as the difference from the one before: small numbers, a byte or two each.
                var time = requests[i].Time.UtcTicks;
                writer.Write7BitEncodedInt64(time - previous);
                previous = time;
                for (var field = 0; field < 5; field++)
                {
                    writer.Write7BitEncodedInt(records[(i * 5) + field]);
                }

                writer.Write((byte)requests[i].Layer);
                writer.Write((byte)requests[i].Outcome);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The requests and dropped count in <paramref name="bytes"/>; <see langword="null"/> when they are not a recording this version reads.</summary>
    public static (List<RecordedRequest> Requests, long Dropped)? Read(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            if (reader.Read7BitEncodedInt() != Version)
            {
                return null;
            }

            var dropped = reader.Read7BitEncodedInt64();
            var strings = new string?[reader.Read7BitEncodedInt() + 1];
            for (var i = 1; i < strings.Length; i++)
            {
                strings[i] = reader.ReadString();
            }

            var count = reader.Read7BitEncodedInt();
            var requests = new List<RecordedRequest>(Math.Min(count, bytes.Length));
            var time = 0L;
            for (var i = 0; i < count; i++)
            {
                time += reader.Read7BitEncodedInt64();
                var client = strings[reader.Read7BitEncodedInt()];
                var tier = strings[reader.Read7BitEncodedInt()];
                var endpoint = strings[reader.Read7BitEncodedInt()];
                var path = strings[reader.Read7BitEncodedInt()];
                var policy = strings[reader.Read7BitEncodedInt()];
                var layer = (RateLimitLayer)reader.ReadByte();
                var outcome = (RecordedOutcome)reader.ReadByte();
                if (client is null || endpoint is null || path is null || policy is null)
                {
                    return null;
                }

                requests.Add(new RecordedRequest(new DateTimeOffset(time, TimeSpan.Zero), client, tier, endpoint, path, policy, layer, outcome));
            }

            return (requests, dropped);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IndexOutOfRangeException or FormatException or ArgumentOutOfRangeException or IOException)
        {
            return null;
        }
    }
}
