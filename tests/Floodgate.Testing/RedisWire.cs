using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Floodgate.Testing;

/// <summary>
/// One Redis command over a fresh loopback connection, in RESP, with the reply parsed: a <see cref="string"/>, a
/// <see cref="long"/>, an <c>object?[]</c> or <see langword="null"/>. Fixtures use it to wait for replication, Sentinel
/// and Cluster without depending on a client library.
/// </summary>
public static class RedisWire
{
    /// <summary>Sends <paramref name="arguments"/> to <c>127.0.0.1:<paramref name="port"/></c> and returns the reply.</summary>
    /// <exception cref="RedisWireException">Redis answered with an error.</exception>
    public static object? Call(int port, params string[] arguments)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        stream.WriteTimeout = 5000;
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new BufferedStream(stream);
        return Read(reader);
    }

    /// <summary>Like <see cref="Call"/>, but <see langword="null"/> when nothing listens or the connection breaks.</summary>
    public static object? TryCall(int port, params string[] arguments)
    {
        try
        {
            return Call(port, arguments);
        }
        catch (Exception ex) when (ex is SocketException or IOException or RedisWireException)
        {
            return null;
        }
    }

    /// <summary>The value of <paramref name="field"/> in an <c>INFO</c>-style reply (<c>field:value</c> lines).</summary>
    public static string? InfoField(object? info, string field)
    {
        if (info is not string text)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return line[(field.Length + 1)..].TrimEnd('\r');
            }
        }

        return null;
    }

    private static object? Read(Stream stream)
    {
        var line = ReadLine(stream);
        var body = line[1..];
        switch (line[0])
        {
            case '+':
                return body;
            case '-':
                throw new RedisWireException(body);
            case ':':
                return long.Parse(body, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(body, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var bytes = new byte[length + 2];
                stream.ReadExactly(bytes);
                return Encoding.UTF8.GetString(bytes, 0, length);
            case '*':
                var count = int.Parse(body, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = Read(stream);
                }

                return items;
            default:
                throw new RedisWireException($"Unexpected reply '{line}'.");
        }
    }

    private static string ReadLine(Stream stream)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new IOException("The connection closed mid-reply.");
            }

            if (b == '\r')
            {
                stream.ReadByte(); // '\n'
                return builder.ToString();
            }

            builder.Append((char)b);
        }
    }
}
