using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Remediator.Function.State;

/// <summary>
/// <see cref="ISharedState"/> in one DynamoDB table: a string key <c>pk</c>, and <c>expiresAt</c> in epoch seconds,
/// which is also the table's TTL attribute. Items: <c>alert#{key}</c> (the claim of a cooldown window, its token, when
/// it was claimed and the requests held back since) and <c>lock#{key}</c> (a repair lease). Every write is one
/// conditional PutItem, UpdateItem or DeleteItem, so the table needs no read permission at all.
/// </summary>
public sealed class DynamoDbSharedState(IAmazonDynamoDB client, string table) : ISharedState
{
    public const string KeyAttribute = "pk";
    public const string ExpiresAttribute = "expiresAt";

    // TTL deletes an expired item days later, if at all: an item whose expiresAt has passed is free. One without
    // expiresAt cannot be written by this class, but would otherwise block its key for ever.
    private const string Free = "attribute_not_exists(pk) OR attribute_not_exists(expiresAt) OR expiresAt <= :now";

    public async Task<AlertClaim> TryClaimAlertAsync(string key, DateTimeOffset now, TimeSpan cooldown, CancellationToken ct)
    {
        var token = Guid.NewGuid().ToString("N");
        try
        {
            var response = await Call(() => client.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = new()
                {
                    [KeyAttribute] = S("alert#" + key),
                    [ExpiresAttribute] = N(Ceiling(now + cooldown)),
                    ["claimedAt"] = N(now.ToUnixTimeMilliseconds()),
                    ["heldBack"] = N(0),
                    ["token"] = S(token),
                },
                ConditionExpression = Free,
                ExpressionAttributeValues = new() { [":now"] = N(now.ToUnixTimeSeconds()) },
                ReturnValues = ReturnValue.ALL_OLD,
            }, ct), "PutItem (claim an alert)").ConfigureAwait(false);
            var old = response.Attributes;
            return new AlertClaim(true, Long(old, "heldBack"), Time(old, "claimedAt"), token);
        }
        catch (ConditionalCheckFailedException)
        {
            return new AlertClaim(false, 0, null, null); // the holder's count is read by AddHeldBackAsync, which follows
        }
    }

    public async Task ReleaseAlertAsync(string key, AlertClaim claim, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue> { [":token"] = S(claim.Token ?? ""), [":zero"] = N(0), [":held"] = N(claim.HeldBack) };
        var update = "SET expiresAt = :zero, heldBack = heldBack + :held";
        if (claim.LastAlertAt is { } last)
        {
            update += ", claimedAt = :last";
            values[":last"] = N(last.ToUnixTimeMilliseconds());
        }
        else
        {
            update += " REMOVE claimedAt";
        }
        try
        {
            await Call(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [KeyAttribute] = S("alert#" + key) },
                UpdateExpression = update,
                ConditionExpression = "#token = :token",
                ExpressionAttributeNames = new() { ["#token"] = "token" },
                ExpressionAttributeValues = values,
            }, ct), "UpdateItem (release an alert claim)").ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Another caller claimed the key meanwhile (our window had ended): nothing of ours is left to give back.
        }
    }

    public async Task<long> AddHeldBackAsync(string key, long requests, CancellationToken ct)
    {
        try
        {
            var response = await Call(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [KeyAttribute] = S("alert#" + key) },
                UpdateExpression = "ADD heldBack :n",
                // Only against a claim: a count-only item would have no expiresAt and nobody to report it.
                ConditionExpression = "attribute_exists(pk)",
                ExpressionAttributeValues = new() { [":n"] = N(requests) },
                ReturnValues = ReturnValue.UPDATED_NEW,
            }, ct), "UpdateItem (count held-back requests)").ConfigureAwait(false);
            return Long(response.Attributes, "heldBack");
        }
        catch (ConditionalCheckFailedException)
        {
            return requests; // the claim expired and TTL removed it: the next claim succeeds
        }
    }

    public async Task<string?> TryLockAsync(string key, DateTimeOffset now, TimeSpan lease, CancellationToken ct)
    {
        var token = Guid.NewGuid().ToString("N");
        try
        {
            await Call(() => client.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = new()
                {
                    [KeyAttribute] = S("lock#" + key),
                    [ExpiresAttribute] = N(Ceiling(now + lease)),
                    ["token"] = S(token),
                },
                ConditionExpression = Free,
                ExpressionAttributeValues = new() { [":now"] = N(now.ToUnixTimeSeconds()) },
            }, ct), "PutItem (take a repair lock)").ConfigureAwait(false);
            return token;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task UnlockAsync(string key, string token, CancellationToken ct)
    {
        try
        {
            await Call(() => client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = table,
                Key = new() { [KeyAttribute] = S("lock#" + key) },
                ConditionExpression = "#token = :token",
                ExpressionAttributeNames = new() { ["#token"] = "token" },
                ExpressionAttributeValues = new() { [":token"] = S(token) },
            }, ct), "DeleteItem (free a repair lock)").ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // The lease ended and another caller holds the lock now: it is theirs to free.
        }
    }

    /// <summary>Every failure but a failed condition means the table cannot be relied on now.</summary>
    private async Task<T> Call<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TaskCanceledException or TimeoutException)
        {
            throw new SharedStateUnavailableException($"DynamoDB {what} on table {table} failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Ceiling(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() + 999) / 1000;

    private static long Long(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var v) && v.N is { } n && long.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : 0;

    private static DateTimeOffset? Time(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.ContainsKey(name) ? DateTimeOffset.FromUnixTimeMilliseconds(Long(item, name)) : null;
}
