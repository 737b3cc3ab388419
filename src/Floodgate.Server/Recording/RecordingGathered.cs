namespace Floodgate.Server.Recording;

/// <summary>The recorded requests of a range from every instance that answered: one part per instance, each in time order.</summary>
/// <param name="Parts">Each instance's requests.</param>
/// <param name="Instances">Instances that answered, this one included.</param>
/// <param name="Dropped">Requests those instances did not record because their queue was full.</param>
internal sealed record RecordingGathered(List<List<RecordedRequest>> Parts, int Instances, long Dropped);
