using System.Globalization;
using Remediator.Core.Ingest;
using Remediator.Core.Repair;

namespace Remediator.Function;

/// <summary>The environment variables the function reads: one list, which the CDK stack and the README also use.</summary>
public static class OptionNames
{
    public const string TopicArn = "REMEDIATOR_TOPIC_ARN";
    public const string CooldownMinutes = "REMEDIATOR_COOLDOWN_MINUTES";
    public const string MaxDecompressedMb = "REMEDIATOR_MAX_DECOMPRESSED_MB";
    public const string LogLevel = "REMEDIATOR_LOG_LEVEL";
    public const string TimeBudgetSeconds = "REMEDIATOR_TIME_BUDGET_SECONDS";
    public const string RepairMode = "REMEDIATOR_REPAIR_MODE";
    public const string RepairAllowedFunctions = "REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS";
    public const string RepairApis = "REMEDIATOR_REPAIR_APIS";
    public const string RepairAnyApi = "REMEDIATOR_REPAIR_ANY_API";
    public const string MaxRepairs = "REMEDIATOR_MAX_REPAIRS";
    public const string AlertMinRequests = "REMEDIATOR_ALERT_MIN_REQUESTS";
    public const string StateTable = State.SharedStateSetup.TableVariable;

    public static IReadOnlyList<string> All { get; } =
        [TopicArn, CooldownMinutes, MaxDecompressedMb, LogLevel, TimeBudgetSeconds, RepairMode, RepairAllowedFunctions, RepairApis, RepairAnyApi, MaxRepairs, AlertMinRequests,
         StateTable];
}

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>Repair settings.</summary>
/// <param name="Mode">off, dry-run (default), auto or approve.</param>
/// <param name="AllowedFunctions">Function ARN patterns that may be repaired (<see cref="FunctionPatterns"/>); none by default, so nothing is changed until the operator names functions.</param>
/// <param name="Apis">API ids that may be repaired; none by default. Empty does not mean any API: see <paramref name="AnyApi"/>.</param>
/// <param name="MaxPerInvocation">Repairs per invocation at most (default 5).</param>
/// <param name="AnyApi">Every API of the account is in scope (REMEDIATOR_REPAIR_ANY_API=true, an explicit opt-in); false by default. Never together with <paramref name="Apis"/>.</param>
public sealed record RepairOptions(RepairMode Mode, IReadOnlyList<string> AllowedFunctions, IReadOnlyList<string> Apis, int MaxPerInvocation, bool AnyApi = false)
{
    public static RepairOptions Off { get; } = new(RepairMode.Off, [], [], 0);

    /// <summary>
    /// Whether an API may be repaired: it is named in <see cref="Apis"/>, or the operator opted into any API. An empty
    /// list is no API, so that auto mode never changes an API nobody named (anyone able to create an API that
    /// integrates an allow-listed function would otherwise get it granted without holding lambda:AddPermission).
    /// </summary>
    public bool InScope(string apiId) => AnyApi || Apis.Contains(apiId, StringComparer.Ordinal);
}

/// <summary>
/// The rule for the repair allow-list, shared by the function's options and the CDK context (one source of truth):
/// <c>arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]</c> with partition, region and account
/// literal, so that no pattern reaches past one account and region; only the name and the qualifier may hold IAM's
/// wildcards <c>*</c> and <c>?</c>. A bare <c>*</c> is refused.
/// </summary>
public static class FunctionPatterns
{
    public const string Shape = "arn:aws:lambda:region:account:function:name, with * and ? allowed only in the name and qualifier";

    /// <summary>Null when <paramref name="pattern"/> is acceptable, else why not.</summary>
    public static string? Problem(string pattern)
    {
        var parts = pattern.Split(':');
        if (parts.Length is not (7 or 8) || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function")
        {
            return "is not a function ARN pattern";
        }
        if (!IsPartition(parts[1]))
        {
            return $"has partition '{parts[1]}': it must be literal (aws, aws-cn, aws-us-gov)";
        }
        if (!IsRegion(parts[3]))
        {
            return $"has region '{parts[3]}': it must be literal (e.g. eu-west-1)";
        }
        if (parts[4].Length != 12 || !parts[4].All(char.IsAsciiDigit))
        {
            return $"has account '{parts[4]}': it must be a literal 12-digit account id";
        }
        if (!IsNamePattern(parts[6], 64, allowDollar: false))
        {
            return $"has function name '{parts[6]}': letters, digits, - and _, with * and ? (at most 64)";
        }
        if (parts.Length == 8 && !IsNamePattern(parts[7], 128, allowDollar: true))
        {
            return $"has qualifier '{parts[7]}': letters, digits, - and _ (or $LATEST), with * and ?";
        }
        return null;
    }

    private static bool IsPartition(string s) =>
        s.Length is > 0 and <= 16 && s.StartsWith("aws", StringComparison.Ordinal) && s.All(c => char.IsAsciiLetterLower(c) || c == '-') && !s.EndsWith('-');

    // Literal regions: letters and hyphens, then a number (us-east-1, us-gov-west-1, cn-north-1, eu-central-2).
    private static bool IsRegion(string s)
    {
        var dash = s.LastIndexOf('-');
        return s.Length <= 32 && dash > 0 && dash < s.Length - 1 && s[(dash + 1)..].All(char.IsAsciiDigit)
            && s[..dash].Contains('-', StringComparison.Ordinal) && s[..dash].Split('-').All(p => p.Length > 0 && p.All(char.IsAsciiLetterLower));
    }

    private static bool IsNamePattern(string s, int max, bool allowDollar) =>
        s.Length is > 0 and var n && n <= max && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '*' or '?' || (allowDollar && c == '$'));
}

/// <summary>A missing or invalid setting: the message names the variable and what it must be.</summary>
public sealed class OptionsException(string message) : Exception(message);

/// <summary>
/// The function's configuration, read once at cold start and validated, so that a bad value fails the cold start
/// with a message naming the variable instead of failing every delivery later.
/// </summary>
/// <param name="TopicArn">SNS topic findings go to. Required.</param>
/// <param name="Cooldown">A finding is alerted at most once per window per warm environment. Default 15 minutes.</param>
/// <param name="MaxDecompressedBytes">A delivery that decompresses to more is refused (gzip bomb). Default 16 MB.</param>
/// <param name="LogLevel">The function's own log level. Default info.</param>
/// <param name="TimeBudget">How long one invocation may take, retries included: set it below the function timeout. Default 50 s.</param>
/// <param name="Region">The default region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's (in Lambda, the function's).</param>
/// <param name="Repair">Automatic repair of missing invoke permissions.</param>
public sealed record FunctionOptions(string TopicArn, TimeSpan Cooldown, long MaxDecompressedBytes, LogLevel LogLevel, TimeSpan TimeBudget, string? Region,
    RepairOptions Repair)
{
    /// <summary>
    /// A finding that is not critical is sent only once this many failed requests of it were seen since its last alert
    /// (REMEDIATOR_ALERT_MIN_REQUESTS, 1 to 1000000, default 1: every finding is sent). Below it, the finding is logged
    /// and counted (metric FindingsBelowThreshold), and its requests carry over to the next delivery. Critical findings
    /// and repair reports are always sent.
    /// </summary>
    public int AlertMinRequests { get; init; } = 1;

    public ReadLimits ReadLimits => new(MaxEnvelopeBytes: 8 * 1024 * 1024, MaxDecompressedBytes: MaxDecompressedBytes);

    public static FunctionOptions Load(Func<string, string?> env)
    {
        var topic = env(OptionNames.TopicArn);
        if (string.IsNullOrWhiteSpace(topic))
        {
            throw new OptionsException($"{OptionNames.TopicArn} is not set: the ARN of the SNS topic findings are published to (arn:aws:sns:region:account:name)");
        }
        var parts = topic.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3].Length == 0 || parts[4].Length != 12 || parts[5].Length == 0)
        {
            throw new OptionsException($"{OptionNames.TopicArn} is not an SNS topic ARN (arn:aws:sns:region:account:name): '{topic}'");
        }
        return new FunctionOptions(
            topic,
            TimeSpan.FromMinutes(Number(env, OptionNames.CooldownMinutes, 15, 0, 1440, "minutes")),
            Number(env, OptionNames.MaxDecompressedMb, 16, 1, 1024, "megabytes") * 1024L * 1024,
            Level(env(OptionNames.LogLevel)),
            TimeSpan.FromSeconds(Number(env, OptionNames.TimeBudgetSeconds, 50, 1, 900, "seconds")),
            Aws.AwsRegion.Resolve(env),
            new RepairOptions(
                Mode(env(OptionNames.RepairMode)),
                AllowedFunctions(env(OptionNames.RepairAllowedFunctions)),
                Apis(env(OptionNames.RepairApis), Flag(env, OptionNames.RepairAnyApi)),
                Number(env, OptionNames.MaxRepairs, 5, 0, 50, "repairs"),
                Flag(env, OptionNames.RepairAnyApi)))
        {
            AlertMinRequests = Number(env, OptionNames.AlertMinRequests, 1, 1, 1_000_000, "failed requests"),
        };
    }

    private static IReadOnlyList<string> AllowedFunctions(string? value)
    {
        var patterns = List(value);
        foreach (var pattern in patterns)
        {
            if (FunctionPatterns.Problem(pattern) is { } problem)
            {
                throw new OptionsException($"{OptionNames.RepairAllowedFunctions}: '{pattern}' {problem} ({FunctionPatterns.Shape}; a bare * is refused)");
            }
        }
        return patterns;
    }

    /// <summary>API ids as API Gateway writes them (letters and digits): a <c>*</c> or a path never becomes a scope.</summary>
    private static IReadOnlyList<string> Apis(string? value, bool anyApi)
    {
        var ids = List(value);
        foreach (var id in ids)
        {
            if (id.Length is 0 or > 32 || !id.All(char.IsAsciiLetterOrDigit))
            {
                throw new OptionsException($"{OptionNames.RepairApis}: '{id}' is not an API id (letters and digits, e.g. a1b2c3d4e5); to allow any API set {OptionNames.RepairAnyApi}=true instead");
            }
        }
        if (anyApi && ids.Count > 0)
        {
            throw new OptionsException($"{OptionNames.RepairApis} and {OptionNames.RepairAnyApi}=true contradict each other: name the APIs or allow any, not both");
        }
        return ids;
    }

    private static bool Flag(Func<string, string?> env, string name) => env(name)?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" => false,
        "true" => true,
        var other => throw new OptionsException($"{name} must be true or false, got '{other}'"),
    };

    private static RepairMode Mode(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "dry-run" or "dryrun" => RepairMode.DryRun,
        "off" => RepairMode.Off,
        "auto" => RepairMode.Auto,
        "approve" => RepairMode.Approve,
        _ => throw new OptionsException($"{OptionNames.RepairMode} must be off, dry-run, auto or approve, got '{value}'"),
    };

    private static IReadOnlyList<string> List(string? value) =>
        (value ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int Number(Func<string, string?> env, string name, int fallback, int min, int max, string unit)
    {
        var value = env(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new OptionsException($"{name} must be a whole number of {unit} from {min} to {max}, got '{value}'");
        }
        return n;
    }

    private static LogLevel Level(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "info" => LogLevel.Info,
        "debug" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warn,
        "error" => LogLevel.Error,
        _ => throw new OptionsException($"{OptionNames.LogLevel} must be debug, info, warn or error, got '{value}'"),
    };
}
