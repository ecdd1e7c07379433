using Remediator.Core.Advice;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Notify;

/// <summary>
/// A finding as it may leave the account: every string that came from a log line is scrubbed of secrets and
/// personal data and made inert for chat; the advice is rebuilt from the cleaned key so it repeats nothing raw.
/// </summary>
public static class FindingSanitizer
{
    /// <param name="integrationTimeoutMs">The integration's timeoutInMillis when the function read the API; the advice keeps a
    /// function timeout below it.</param>
    /// <param name="functionArn">The function API Gateway's configuration says serves the request, for the advice to point to its log.</param>
    public static Finding Clean(Finding f, int maxRequestIds = Finding.MaxSampleRequestIds, int maxText = 300, int? integrationTimeoutMs = null, string? functionArn = null)
    {
        // Ids from the log reach commands and ARNs in the message: only AWS's shapes pass (never "*"), and the
        // validated ids and ARNs are only made inert, since a scrub could mangle them.
        var key = f.Key with
        {
            ApiId = AwsNames.ApiIdOrNull(f.Key.ApiId),
            Stage = AwsNames.StageOrNull(f.Key.Stage),
            HttpMethod = CleanShort(f.Key.HttpMethod),
            ResourcePath = CleanShort(f.Key.ResourcePath, 200),
            RouteKey = CleanShort(f.Key.RouteKey, 200),
            FunctionArn = Inert(f.Key.FunctionArn),
            Qualifier = CleanShort(f.Key.Qualifier),
        };
        var ids = f.RequestIds.Take(maxRequestIds).Select(id => Scrubber.Clean(id, 80)).ToList();
        var cleaned = f with
        {
            Key = key,
            ErrorType = CleanShort(f.ErrorType, 120),
            ErrorMessage = f.ErrorMessage is null ? null : Scrubber.Clean(f.ErrorMessage, maxText),
            Evidence = f.Evidence is null ? null : Scrubber.Clean(f.Evidence, maxText),
            Note = f.Note is null ? null : Scrubber.Clean(f.Note, 2 * maxText),
            ResponseProblem = f.ResponseProblem is null ? null : Scrubber.Clean(f.ResponseProblem, maxText),
            RequestIds = ids,
            LogGroup = Inert(f.LogGroup),
            AccountId = AwsNames.AccountOrNull(f.AccountId),
            Region = AwsNames.RegionOrNull(f.Region),
        };
        var facts = new FindingFacts(cleaned.ApiType, cleaned.LogKind, cleaned.ErrorType, cleaned.ErrorMessage, cleaned.IntegrationLatencyMs,
            cleaned.ResponseProblem, cleaned.AccountId, cleaned.Region, cleaned.LogGroup, ids, integrationTimeoutMs, cleaned.FirstSeen, cleaned.LastSeen,
            LambdaRequestIds(cleaned, ids), functionArn is null ? null : Inert(functionArn));
        return cleaned with { Advice = AdviceBook.For(key, facts) };
    }

    /// <summary>UUIDs in the error and the evidence that are not API Gateway's request ids: Lambda's, the function log's @requestId.</summary>
    private static List<string> LambdaRequestIds(Finding f, List<string> apiIds)
    {
        var found = new List<string>();
        foreach (var text in new[] { f.ErrorMessage, f.Evidence })
        {
            for (var i = 0; text is not null && i + 36 <= text.Length && found.Count < 5; i++)
            {
                // "D" is 8-4-4-4-12 with the hyphens in place: test them before parsing at every position.
                if (text[i + 8] == '-' && text[i + 13] == '-' && text[i + 18] == '-' && text[i + 23] == '-' && Guid.TryParseExact(text.AsSpan(i, 36), "D", out _) && (i == 0 || !char.IsAsciiHexDigit(text[i - 1])))
                {
                    var id = text.Substring(i, 36).ToLowerInvariant();
                    if (!apiIds.Contains(id, StringComparer.OrdinalIgnoreCase) && !found.Contains(id))
                    {
                        found.Add(id);
                    }
                    i += 35;
                }
            }
        }
        return found;
    }

    private static string? Inert(string? s) => s is null ? null : Scrubber.Neutralise(s.Length > 512 ? s[..512] : s);

    private static string? CleanShort(string? s, int max = 128) => s is null ? null : Scrubber.Clean(s, max);
}
