using System.Text.Json;
using Constructs;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Infra;

/// <summary>A context value that is missing or wrong: the message names the key and what it must be.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// An access-log group to subscribe: its entries' format picks the deployed pattern (every 5xx entry,
/// <see cref="AccessLogFilterPatterns"/>), unless the owner gives a filter pattern of their own.
/// </summary>
public sealed record AccessLogGroup(string Name, string? FilterPattern, AccessLogFormat Format = AccessLogFormat.Json)
{
    /// <summary>The pattern the subscription filter on this group uses.</summary>
    public string Pattern => FilterPattern ?? AccessLogFilterPatterns.For(Format);
}

/// <summary>
/// The deployment's configuration, from CDK context (<c>cdk.json</c> or <c>-c key=value</c>), validated at synth.
/// Lists may be given as comma-separated strings (handy with <c>-c</c>) or as JSON arrays (handy in cdk.json).
/// </summary>
public sealed record StackConfig
{
    public IReadOnlyList<(string ApiId, string Stage)> RestApis { get; init; } = [];
    public IReadOnlyList<AccessLogGroup> AccessLogGroups { get; init; } = [];
    public bool AllApis { get; init; }
    public IReadOnlyList<string> NotifyEmails { get; init; } = [];
    public string? SlackWorkspaceId { get; init; }
    public string? SlackChannelId { get; init; }
    public RepairMode RepairMode { get; init; } = RepairMode.DryRun;
    public IReadOnlyList<string> RepairAllowedFunctions { get; init; } = [];
    public IReadOnlyList<string> RepairApis { get; init; } = [];
    /// <summary>Repair may read and change any API of the account and region (repairAnyApi=true): an explicit opt-in.</summary>
    public bool RepairAnyApi { get; init; }
    public int CooldownMinutes { get; init; } = 15;
    /// <summary>Non-critical findings with fewer failed requests are logged and counted, not sent (REMEDIATOR_ALERT_MIN_REQUESTS).</summary>
    public int AlertMinRequests { get; init; } = 1;
    public string Architecture { get; init; } = "arm64";
    public bool ApiGatewayCloudWatchRole { get; init; }
    public int LogRetentionDays { get; init; } = 30;
    public string FunctionCodePath { get; init; } = ".build/function";
    /// <summary>Deploy the Native AOT build (provided.al2023, x86_64): cold starts in tens of milliseconds.</summary>
    public bool NativeAot { get; init; }
    public string BootstrapCodePath { get; init; } = ".build/bootstrap";
    /// <summary>The organization fan-in (memberAccounts or organizationId); null for a single account.</summary>
    public OrganizationConfig? Organization { get; init; }
    /// <summary>The shared state table (<see cref="SharedState"/>): on unless <c>sharedState=false</c>.</summary>
    public bool SharedState { get; init; } = true;
    /// <summary>repairMode=approve: how long an approval link stays valid (approvalTtlMinutes, 1 to 10080, default 60).</summary>
    public int ApprovalTtlMinutes { get; init; } = 60;
    /// <summary>repairMode=approve: the networks approvals may come from (approvalSourceCidrs); empty: anywhere, the signed link being the credential.</summary>
    public IReadOnlyList<string> ApprovalSourceCidrs { get; init; } = [];
    /// <summary>repairMode=approve: the function URL requires IAM (SigV4) callers (approvalAuth=iam) instead of none.</summary>
    public bool ApprovalAuthIam { get; init; }

    /// <summary>
    /// The API ids repair may read (apigateway:GET) and, in auto, change: repairApis, else the subscribed REST APIs.
    /// Empty when repair is off or any API is in scope (<see cref="RepairAnyApiInScope"/>). The function gets exactly this list
    /// (REMEDIATOR_REPAIR_APIS), so its scope and its IAM are the same.
    /// </summary>
    public IReadOnlyList<string> RepairApiIds => RepairMode == RepairMode.Off || RepairAnyApiInScope ? [] : RepairApis.Count > 0 ? RepairApis : RestApis.Select(r => r.ApiId).Distinct().ToList();

    /// <summary>
    /// Any API is in scope (REMEDIATOR_REPAIR_ANY_API=true, apigateway:GET with <c>*</c> for the id): when the operator
    /// says so (repairAnyApi=true), or in dry-run with allApis and no repairApis, where reading is all repair can do.
    /// Auto mode never gets it implicitly.
    /// </summary>
    public bool RepairAnyApiInScope => RepairMode != RepairMode.Off && (RepairAnyApi || (AllApis && RepairApis.Count == 0 && RepairMode == RepairMode.DryRun));

    /// <summary>The retention periods CloudWatch Logs accepts.</summary>
    public static IReadOnlyList<int> RetentionValues { get; } = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    public static StackConfig FromContext(Node node) => From(key => node.TryGetContext(key));

    public static StackConfig From(Func<string, object?> context)
    {
        var config = new StackConfig
        {
            RestApis = List(context, "restApis").Select(ParseRestApi).ToList(),
            AccessLogGroups = AccessGroups(context("accessLogGroups")),
            AllApis = Bool(context, "allApis"),
            NotifyEmails = List(context, "notifyEmails").Select(ValidEmail).ToList(),
            SlackWorkspaceId = Str(context, "slackWorkspaceId"),
            SlackChannelId = Str(context, "slackChannelId"),
            RepairMode = Str(context, "repairMode") switch
            {
                null or "dry-run" => RepairMode.DryRun,
                "off" => RepairMode.Off,
                "auto" => RepairMode.Auto,
                "approve" => RepairMode.Approve,
                var other => throw new ConfigException($"repairMode must be off, dry-run, auto or approve, got '{other}'"),
            },
            RepairAllowedFunctions = List(context, "repairAllowedFunctions").Select(ValidFunctionPattern).ToList(),
            RepairApis = List(context, "repairApis").Select(a => ValidApiId(a, "repairApis")).ToList(),
            RepairAnyApi = Bool(context, "repairAnyApi"),
            CooldownMinutes = Int(context, "cooldownMinutes", 15, 0, 1440),
            AlertMinRequests = Int(context, "alertMinRequests", 1, 1, 1_000_000),
            Architecture = Str(context, "architecture") switch
            {
                null or "arm64" => "arm64",
                "x86_64" => "x86_64",
                var other => throw new ConfigException($"architecture must be arm64 or x86_64, got '{other}'"),
            },
            ApiGatewayCloudWatchRole = Bool(context, "apiGatewayCloudWatchRole"),
            LogRetentionDays = Int(context, "logRetentionDays", 30, 1, 3653) is var days && RetentionValues.Contains(days) ? days
                : throw new ConfigException($"logRetentionDays must be one of {string.Join(", ", RetentionValues)}"),
            FunctionCodePath = Str(context, "functionCodePath") ?? ".build/function",
            NativeAot = Bool(context, "nativeAot"),
            BootstrapCodePath = Str(context, "bootstrapCodePath") ?? ".build/bootstrap",
            Organization = OrganizationConfig.From(context),
            SharedState = context("sharedState") is null || Bool(context, "sharedState"),
            ApprovalTtlMinutes = Int(context, "approvalTtlMinutes", 60, 1, 10080),
            ApprovalSourceCidrs = List(context, "approvalSourceCidrs").Select(c => System.Net.IPNetwork.TryParse(c, out _) ? c
                : throw new ConfigException($"approvalSourceCidrs: '{c}' is not a CIDR block (e.g. 203.0.113.0/24)")).ToList(),
            ApprovalAuthIam = Str(context, "approvalAuth") switch
            {
                null or "none" => false,
                "iam" => true,
                var other => throw new ConfigException($"approvalAuth must be none or iam, got '{other}'"),
            },
        };
        if (config.RepairMode != RepairMode.Approve && (context("approvalTtlMinutes") ?? context("approvalSourceCidrs") ?? context("approvalAuth")) is not null)
        {
            throw new ConfigException("approvalTtlMinutes, approvalSourceCidrs and approvalAuth apply to repairMode=approve only");
        }
        if (context("noDeliveryAlarmHours") is not null)
        {
            // Only failing lines are forwarded, so "no delivery" meant healthy APIs: the alarm cried wolf and is gone.
            throw new ConfigException("noDeliveryAlarmHours was removed: only 5xx lines are delivered, so no delivery means healthy APIs. The stack now alarms on subscription delivery errors instead (README, Deploy)");
        }
        if (config.RepairAnyApi && config.RepairApis.Count > 0)
        {
            throw new ConfigException("repairApis and repairAnyApi=true contradict each other: name the APIs repair may change, or allow any, not both");
        }
        if (config.RepairMode is RepairMode.Auto or RepairMode.Approve && !config.RepairAnyApi && config.RepairApiIds.Count == 0)
        {
            throw new ConfigException(config.AllApis
                ? $"repairMode={(config.RepairMode == RepairMode.Auto ? "auto" : "approve")} with allApis changes only APIs you name: set repairApis (API ids), or repairAnyApi=true to let it grant on any API of the account"
                : "repairMode=auto has no API to repair: set repairApis (API ids; restApis count too), or repairAnyApi=true for any API of the account");
        }
        if (config.NativeAot && config.Architecture == "arm64" && context("architecture") is not null)
        {
            throw new ConfigException("nativeAot builds x86_64 only here (no arm64 cross toolchain on the build machines): drop architecture=arm64 or nativeAot");
        }
        if (config.RestApis.Count == 0 && config.AccessLogGroups.Count == 0 && !config.AllApis && config.Organization is null)
        {
            throw new ConfigException("nothing to watch: set restApis (apiId/stage,...), accessLogGroups (log group names) or allApis=true");
        }
        // One subscription filter per log group: a group takes at most two, and the owner may need the other one.
        var groups = config.RestApis.Select(r => $"API-Gateway-Execution-Logs_{r.ApiId}/{r.Stage}").Concat(config.AccessLogGroups.Select(g => g.Name));
        if (groups.GroupBy(g => g, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ConfigException($"accessLogGroups/restApis: '{twice.Key}' is listed twice; each log group gets one subscription filter");
        }
        if ((config.SlackWorkspaceId is null) != (config.SlackChannelId is null))
        {
            throw new ConfigException("slackWorkspaceId and slackChannelId go together: set both or neither");
        }
        return config;
    }

    private static (string, string) ParseRestApi(string value)
    {
        var parts = value.Split('/');
        if (parts.Length != 2 || parts[1].Length == 0)
        {
            throw new ConfigException($"restApis: '{value}' is not apiId/stage (e.g. abc123defg/prod)");
        }
        return (ValidApiId(parts[0], "restApis"), parts[1]);
    }

    private static string ValidApiId(string value, string key) =>
        value.Length is >= 1 and <= 32 && value.All(char.IsAsciiLetterOrDigit) ? value
            : throw new ConfigException($"{key}: '{value}' is not an API id (letters and digits, e.g. abc123defg)");

    private static string ValidEmail(string value) =>
        value.Length is > 3 and < 255 && value.IndexOf('@') is > 0 and var at && at < value.Length - 1 && !value.Contains(' ') ? value
            : throw new ConfigException($"notifyEmails: '{value}' is not an e-mail address");

    /// <summary>The function's own rule (<see cref="Function.FunctionPatterns"/>): partition, region and account literal.</summary>
    private static string ValidFunctionPattern(string value) =>
        Function.FunctionPatterns.Problem(value) is { } problem
            ? throw new ConfigException($"repairAllowedFunctions: '{value}' {problem} ({Function.FunctionPatterns.Shape}; a bare * is refused)")
            : value;

    /// <summary>
    /// <c>accessLogGroups</c>: "name" or "name:format" (format json, the default, or clf), comma-separated or a list;
    /// in cdk.json also <c>{"name": ..., "format": ..., "filterPattern": ...}</c>. A log group name cannot hold ':'
    /// (CloudWatch Logs allows letters, digits and <c>. - _ / #</c>:
    /// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_SubscriptionFilter.html), so the
    /// suffix is unambiguous.
    /// </summary>
    private static IReadOnlyList<AccessLogGroup> AccessGroups(object? value)
    {
        if (value is null)
        {
            return [];
        }
        return Items(value, "accessLogGroups").Select(item =>
        {
            if (item is IDictionary<string, object> map)
            {
                return Group(map.TryGetValue("name", out var n) ? n?.ToString() : null, map.TryGetValue("format", out var f) ? f?.ToString() : null,
                    map.TryGetValue("filterPattern", out var p) ? p?.ToString() : null, fromObject: true);
            }
            var text = item?.ToString()?.Trim() ?? "";
            if (text.StartsWith('{'))
            {
                // cdk.json objects arrive as JSON objects of the jsii runtime: read their text.
                using var doc = JsonDocument.Parse(text);
                string? Prop(string key) => doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                return Group(Prop("name"), Prop("format"), Prop("filterPattern"), fromObject: true);
            }
            var colon = text.LastIndexOf(':');
            return colon < 0 ? Group(text, null, null, fromObject: false) : Group(text[..colon], text[(colon + 1)..], null, fromObject: false);
        }).ToList();
    }

    private static AccessLogGroup Group(string? name, string? format, string? filterPattern, bool fromObject)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ConfigException(fromObject ? "accessLogGroups: an entry {\"name\": ..., \"format\": ..., \"filterPattern\": ...} needs a name" : "accessLogGroups: an empty log group name");
        }
        if (name.Length > 512 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or '#'))
        {
            throw new ConfigException($"accessLogGroups: '{name}' is not a log group name (letters, digits and . - _ / #; add :clf or :json after it for the format)");
        }
        var parsed = format switch
        {
            null or "json" => AccessLogFormat.Json,
            "clf" => AccessLogFormat.Clf,
            _ => throw new ConfigException($"accessLogGroups: format '{format}' of '{name}' must be json or clf"),
        };
        if (filterPattern is { Length: > SubscriptionFilterTerms.MaxPatternLength })
        {
            throw new ConfigException($"accessLogGroups: the filterPattern of '{name}' is longer than CloudWatch's {SubscriptionFilterTerms.MaxPatternLength} characters");
        }
        return new AccessLogGroup(name, string.IsNullOrEmpty(filterPattern) ? null : filterPattern, parsed);
    }

    private static List<string> List(Func<string, object?> context, string key)
    {
        var value = context(key);
        return value is null ? [] : Items(value, key).Select(i => i?.ToString()?.Trim() ?? "").Where(s => s.Length > 0).ToList();
    }

    /// <summary>A comma-separated string (from -c), or a list (from cdk.json).</summary>
    private static IEnumerable<object?> Items(object value, string key) => value switch
    {
        string s when s.TrimStart().StartsWith('[') => JsonDocument.Parse(s).RootElement.EnumerateArray()
            .Select(e => (object?)(e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())).ToList(),
        string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        System.Collections.IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw new ConfigException($"{key} must be a comma-separated string or a list"),
    };

    private static string? Str(Func<string, object?> context, string key) => context(key)?.ToString() is { Length: > 0 } s ? s : null;

    private static bool Bool(Func<string, object?> context, string key) => Str(context, key)?.ToLowerInvariant() switch
    {
        null or "false" => false,
        "true" => true,
        var other => throw new ConfigException($"{key} must be true or false, got '{other}'"),
    };

    private static int Int(Func<string, object?> context, string key, int fallback, int min, int max)
    {
        var s = Str(context, key);
        if (s is null)
        {
            return fallback;
        }
        return int.TryParse(s, out var n) && n >= min && n <= max ? n : throw new ConfigException($"{key} must be a whole number from {min} to {max}, got '{s}'");
    }
}
