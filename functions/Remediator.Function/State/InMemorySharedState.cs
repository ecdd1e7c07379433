namespace Remediator.Function.State;

/// <summary>
/// <see cref="ISharedState"/> in one process, with the table's semantics (a claim or lock is free once its expiry has
/// passed, counts survive until the next claim): the reference the DynamoDB implementation is tested against, and
/// what several pipelines in one test share. <see cref="Unavailable"/> makes every call fail, as an unreachable table does.
/// </summary>
public sealed class InMemorySharedState : ISharedState
{
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);

    private sealed record Item(DateTimeOffset ExpiresAt, DateTimeOffset? ClaimedAt, long HeldBack, string Token);

    public bool Unavailable { get; set; }

    public int Calls { get; private set; }

    public Task<AlertClaim> TryClaimAlertAsync(string key, DateTimeOffset now, TimeSpan cooldown, CancellationToken ct)
    {
        lock (_items)
        {
            Enter();
            var pk = "alert#" + key;
            _items.TryGetValue(pk, out var old);
            if (old is not null && old.ExpiresAt > now)
            {
                return Task.FromResult(new AlertClaim(false, old.HeldBack, old.ClaimedAt, null));
            }
            var token = Guid.NewGuid().ToString("N");
            _items[pk] = new Item(now + cooldown, now, 0, token);
            return Task.FromResult(new AlertClaim(true, old?.HeldBack ?? 0, old?.ClaimedAt, token));
        }
    }

    public Task ReleaseAlertAsync(string key, AlertClaim claim, CancellationToken ct)
    {
        lock (_items)
        {
            Enter();
            var pk = "alert#" + key;
            if (_items.TryGetValue(pk, out var item) && item.Token == claim.Token)
            {
                _items[pk] = item with { ExpiresAt = DateTimeOffset.UnixEpoch, ClaimedAt = claim.LastAlertAt, HeldBack = item.HeldBack + claim.HeldBack };
            }
            return Task.CompletedTask;
        }
    }

    public Task<long> AddHeldBackAsync(string key, long requests, CancellationToken ct)
    {
        lock (_items)
        {
            Enter();
            var pk = "alert#" + key;
            if (!_items.TryGetValue(pk, out var item))
            {
                return Task.FromResult(requests); // nothing to count against: the next claim succeeds anyway
            }
            _items[pk] = item with { HeldBack = item.HeldBack + requests };
            return Task.FromResult(item.HeldBack + requests);
        }
    }

    public Task<string?> TryLockAsync(string key, DateTimeOffset now, TimeSpan lease, CancellationToken ct)
    {
        lock (_items)
        {
            Enter();
            var pk = "lock#" + key;
            if (_items.TryGetValue(pk, out var held) && held.ExpiresAt > now)
            {
                return Task.FromResult<string?>(null);
            }
            var token = Guid.NewGuid().ToString("N");
            _items[pk] = new Item(now + lease, now, 0, token);
            return Task.FromResult<string?>(token);
        }
    }

    public Task UnlockAsync(string key, string token, CancellationToken ct)
    {
        lock (_items)
        {
            Enter();
            if (_items.TryGetValue("lock#" + key, out var held) && held.Token == token)
            {
                _items.Remove("lock#" + key);
            }
            return Task.CompletedTask;
        }
    }

    private void Enter()
    {
        Calls++;
        if (Unavailable)
        {
            throw new SharedStateUnavailableException("the shared state is unavailable (InMemorySharedState.Unavailable)");
        }
    }
}
