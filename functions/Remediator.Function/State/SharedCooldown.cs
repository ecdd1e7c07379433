using Remediator.Core.Notify;
using Remediator.Function.Observability;

namespace Remediator.Function.State;

/// <summary>
/// The cooldown over <see cref="ISharedState"/>, for one invocation: a finding is alerted by the one environment that
/// claims its window; the others add their failed requests to its count, which the next alert reports. The threshold
/// of REMEDIATOR_ALERT_MIN_REQUESTS stays per environment (<paramref name="threshold"/>, an <see cref="AlertGate"/>
/// with no cooldown, kept by the pipeline across invocations). When the table cannot be reached, every finding is
/// alerted anyway and marked (never silence during an incident), and the table is not asked again in this invocation.
/// </summary>
public sealed class SharedCooldown(ISharedState state, TimeSpan cooldown, AlertGate threshold, JsonLog log)
{
    private readonly Dictionary<string, AlertClaim> _claims = new(StringComparer.Ordinal);

    /// <summary>True once a call failed in this invocation: what follows is decided without the table.</summary>
    public bool Unavailable { get; private set; }

    /// <summary>The key of a finding in the table: its id, with the account, since one table serves many accounts.</summary>
    public static string Key(string? accountId, string findingId) => $"{accountId ?? "-"}|{findingId}";

    public async Task<AlertDecision> ConsiderAsync(string key, string findingId, long count, DateTimeOffset now, int minRequests, CancellationToken ct)
    {
        var local = threshold.Consider(findingId, count, now, minRequests);
        if (!local.Send)
        {
            return local; // below the threshold here: counted locally, as without the table
        }
        if (Unavailable || cooldown <= TimeSpan.Zero)
        {
            return local;
        }
        try
        {
            var claim = await state.TryClaimAlertAsync(key, now, cooldown, ct).ConfigureAwait(false);
            if (claim.Claimed)
            {
                _claims[key] = claim;
                return new AlertDecision(true, claim.HeldBack + local.SuppressedSinceLastAlert, claim.LastAlertAt);
            }
            var held = await state.AddHeldBackAsync(key, count + local.SuppressedSinceLastAlert, ct).ConfigureAwait(false);
            threshold.Sent(findingId, now); // what this environment held back now counts in the table
            return new AlertDecision(false, held, null);
        }
        catch (SharedStateUnavailableException e)
        {
            Unavailable = true;
            log.Write(LogLevel.Error, "shared state unavailable", ("findingId", findingId), ("detail", e.Message));
            return local;
        }
    }

    /// <summary>The finding's messages were all published: its local threshold count starts again.</summary>
    public void Sent(string key, string findingId, DateTimeOffset now)
    {
        threshold.Sent(findingId, now);
        _claims.Remove(key);
    }

    /// <summary>Gives back every claim whose message was not sent (publish failed, or a deferred repair keeps the
    /// finding open), so that the next delivery, in any environment, alerts it.</summary>
    public async Task ReleaseUnsentAsync(CancellationToken ct)
    {
        foreach (var (key, claim) in _claims)
        {
            if (Unavailable)
            {
                break;
            }
            try
            {
                await state.ReleaseAlertAsync(key, claim, ct).ConfigureAwait(false);
            }
            catch (SharedStateUnavailableException e)
            {
                Unavailable = true;
                log.Write(LogLevel.Error, "shared state unavailable", ("detail", e.Message));
            }
        }
        _claims.Clear();
    }
}
