namespace Floodgate.Server.Policies;

/// <summary>Where run-time policies persist: SQLite by default, Redis when configured (then shared by every instance).</summary>
public interface IPolicyStore
{
    /// <summary>Every policy.</summary>
    Task<IReadOnlyList<PolicyDocument>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces the policy with <see cref="PolicyDocument.Id"/>.</summary>
    Task SaveAsync(PolicyDocument policy, CancellationToken cancellationToken = default);

    /// <summary>Deletes a policy; false when there was none.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Raised after a change, here or (with a shared store) on another instance.</summary>
    event Action? Changed;
}
