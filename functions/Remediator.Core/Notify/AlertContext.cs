namespace Remediator.Core.Notify;

/// <summary>What a message says besides the finding: where it runs, and what was held back since the last alert.</summary>
/// <param name="AccountId">The account of the log group, when known.</param>
/// <param name="Region">The region the function runs in.</param>
/// <param name="SuppressedSinceLastAlert">Failed requests of this finding seen during the cooldown and not alerted.</param>
/// <param name="LastAlertAt">When this finding was last alerted, if it was.</param>
public sealed record AlertContext(string? AccountId, string? Region, long SuppressedSinceLastAlert = 0, DateTimeOffset? LastAlertAt = null);
