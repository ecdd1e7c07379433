namespace Remediator.Function.State;

/// <summary>The answer to a claim of an alert key.</summary>
/// <param name="Claimed">True for exactly one caller per cooldown window: that caller sends the alert.</param>
/// <param name="HeldBack">Failed requests counted against the key since its last alert (by every environment);
/// for the claimer, those of the window that just ended, which its message reports.</param>
/// <param name="LastAlertAt">When the key was last claimed, if it was.</param>
/// <param name="Token">The claimer's token, which <see cref="ISharedState.ReleaseAlertAsync"/> needs; null when not claimed.</param>
public sealed record AlertClaim(bool Claimed, long HeldBack, DateTimeOffset? LastAlertAt, string? Token);

/// <summary>
/// What every execution environment (and, deployed centrally, every account) must agree on: which one alerts a finding
/// in a cooldown window, how many failed requests the others held back meanwhile, and who may write a function's
/// policy for an API right now. Real one: <see cref="DynamoDbSharedState"/> (one table, conditional writes); tests
/// also use <see cref="InMemorySharedState"/>. Every call may throw <see cref="SharedStateUnavailableException"/>.
/// </summary>
public interface ISharedState
{
    /// <summary>Claims <paramref name="key"/> for the window from <paramref name="now"/> to now + <paramref name="cooldown"/>,
    /// unless another caller holds an unexpired claim.</summary>
    Task<AlertClaim> TryClaimAlertAsync(string key, DateTimeOffset now, TimeSpan cooldown, CancellationToken ct);

    /// <summary>Gives back a claim whose message was not sent (publish failed, or the repair was deferred), so that the
    /// next delivery claims it again; the requests it had reported as held back are counted again.</summary>
    Task ReleaseAlertAsync(string key, AlertClaim claim, CancellationToken ct);

    /// <summary>Adds <paramref name="requests"/> to the key's held-back count; returns the count since the last alert.</summary>
    Task<long> AddHeldBackAsync(string key, long requests, CancellationToken ct);

    /// <summary>Takes the repair lock <paramref name="key"/> for <paramref name="lease"/> (a holder that dies frees it
    /// when the lease ends); returns the holder's token, or null when another holds it.</summary>
    Task<string?> TryLockAsync(string key, DateTimeOffset now, TimeSpan lease, CancellationToken ct);

    /// <summary>Frees the lock if <paramref name="token"/> still holds it.</summary>
    Task UnlockAsync(string key, string token, CancellationToken ct);
}

/// <summary>The shared state could not be read or written (unreachable, throttled past the retries, access denied).</summary>
public sealed class SharedStateUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
