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
    public const string MaxRepairs = "REMEDIATOR_MAX_REPAIRS";

    public static IReadOnlyList<string> All { get; } =
        [TopicArn, CooldownMinutes, MaxDecompressedMb, LogLevel, TimeBudgetSeconds, RepairMode, RepairAllowedFunctions, RepairApis, MaxRepairs];
}

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>Repair settings.</summary>
/// <param name="Mode">off, dry-run (default) or auto.</param>
/// <param name="AllowedFunctions">Function ARN patterns (* and ?) that may be repaired; none by default, so nothing is changed until the operator names functions.</param>
/// <param name="Apis">API ids that may be repaired; empty means any API.</param>
/// <param name="MaxPerInvocation">Repairs per invocation at most (default 5).</param>
public sealed record RepairOptions(RepairMode Mode, IReadOnlyList<string> AllowedFunctions, IReadOnlyList<string> Apis, int MaxPerInvocation)
{
    public static RepairOptions Off { get; } = new(RepairMode.Off, [], [], 0);
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
                List(env(OptionNames.RepairAllowedFunctions)),
                List(env(OptionNames.RepairApis)),
                Number(env, OptionNames.MaxRepairs, 5, 0, 50, "repairs")));
    }

    private static RepairMode Mode(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "dry-run" or "dryrun" => RepairMode.DryRun,
        "off" => RepairMode.Off,
        "auto" => RepairMode.Auto,
        _ => throw new OptionsException($"{OptionNames.RepairMode} must be off, dry-run or auto, got '{value}'"),
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
