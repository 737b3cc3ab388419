namespace Floodgate.Testing.Traces;

/// <summary>A small, fully specified generator, so a trace is the same on every runtime.</summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public double Between(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>The gap to the next arrival of a Poisson source, in microseconds (at least 1).</summary>
    public long Gap(double perMicrosecond) => 1 + (long)(-Math.Log(1 - NextDouble()) / perMicrosecond);
}
