namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>
/// A deliberately plain statement of what an algorithm means, written for clarity rather than speed: the property
/// tests demand that the real algorithm decides exactly as its model does. Time only moves forward.
/// </summary>
internal interface IReferenceModel
{
    /// <summary>Decides <paramref name="cost"/> units at <paramref name="now"/> (µs since the epoch), recording them when admitted and <paramref name="consume"/> is set.</summary>
    ModelDecision Decide(long now, long cost, bool consume);
}
