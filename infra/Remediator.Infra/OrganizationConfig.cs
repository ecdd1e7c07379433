using Remediator.Core.Repair;

namespace Remediator.Infra;

/// <summary>
/// The central stack's organization settings (docs/deploy-multi-account.md): <c>memberAccounts</c> (12-digit ids,
/// comma-separated or a list) or <c>organizationId</c> (o-...) switches on the fan-in; <c>memberRoleName</c> is the role
/// every member stack creates (default <see cref="DefaultMemberRoleName"/>); <c>memberExternalId</c> is sent with
/// AssumeRole when the members' trust asks for one.
/// </summary>
public sealed record OrganizationConfig(IReadOnlyList<string> MemberAccounts, string? OrganizationId, string MemberRoleName, string? ExternalId)
{
    public const string DefaultMemberRoleName = "remediator-member-repair";
    public const string DestinationName = "remediator-fan-in";

    /// <summary>Null when neither memberAccounts nor organizationId is set: a single-account deployment, as before.</summary>
    public static OrganizationConfig? From(Func<string, object?> context)
    {
        var accounts = Accounts(context, "memberAccounts");
        var org = ReadOrganizationId(context);
        if (accounts.Count == 0 && org is null)
        {
            return context("memberRoleName") is not null || context("memberExternalId") is not null
                ? throw new ConfigException("memberRoleName and memberExternalId need memberAccounts or organizationId: name the accounts (or the organization) that send logs")
                : null;
        }
        return new OrganizationConfig(accounts, org, RoleName(context), ReadExternalId(context));
    }

    internal static List<string> Accounts(Func<string, object?> context, string key)
    {
        var value = context(key);
        var items = value switch
        {
            null => [],
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            System.Collections.IEnumerable e => e.Cast<object?>().Select(o => o?.ToString()?.Trim() ?? "").Where(s => s.Length > 0).ToList(),
            _ => throw new ConfigException($"{key} must be a comma-separated string or a list"),
        };
        return items.Select(a => Function.Organization.OrganizationOptions.IsAccountId(a) ? a : throw new ConfigException($"{key}: '{a}' is not a 12-digit account id")).Distinct().ToList();
    }

    internal static string? ReadOrganizationId(Func<string, object?> context) => context("organizationId")?.ToString() is { Length: > 0 } o
        ? o.StartsWith("o-", StringComparison.Ordinal) && o.Length is >= 12 and <= 34 && o[2..].All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c))
            ? o
            : throw new ConfigException($"organizationId: '{o}' is not an organization id (o- and 10 to 32 lower-case letters or digits)")
        : null;

    internal static string RoleName(Func<string, object?> context) => context("memberRoleName")?.ToString() is { Length: > 0 } n
        ? n.Length <= 64 && n.All(c => char.IsAsciiLetterOrDigit(c) || "+=,.@_-".Contains(c)) ? n : throw new ConfigException($"memberRoleName: '{n}' is not an IAM role name")
        : DefaultMemberRoleName;

    internal static string? ReadExternalId(Func<string, object?> context) => context("memberExternalId")?.ToString() is { Length: > 0 } x
        ? x.Length is >= 2 and <= 1224 && x.All(c => char.IsAsciiLetterOrDigit(c) || "_+=,.@:/-".Contains(c)) ? x : throw new ConfigException("memberExternalId must be 2 to 1224 characters of letters, digits and _+=,.@:/-")
        : null;
}

/// <summary>
/// The member stack's settings (<c>-c stack=member</c>): what to subscribe (restApis, accessLogGroups, allApis, read
/// exactly as the central stack reads them), where to send it (<c>centralRoleArn</c>, the central stack's
/// FunctionRoleArn output; the destination is the central account's <see cref="OrganizationConfig.DestinationName"/>
/// in the same region, or <c>destinationArn</c>), who may repair (<c>organizationId</c> and/or <c>memberExternalId</c>
/// in the trust), and the repair mode with <c>repairFunctionNames</c> (names, in whichever account the stack lands).
/// </summary>
public sealed record MemberConfig(StackConfig Watch, string CentralRoleArn, string CentralAccount, string? DestinationArn, string? OrganizationId, string? ExternalId,
    string MemberRoleName, IReadOnlyList<string> RepairFunctionNames)
{
    public RepairMode RepairMode => Watch.RepairMode;

    public static MemberConfig From(Func<string, object?> context)
    {
        // What to watch and the repair mode, read as the central stack reads them; the organization keys are the
        // member's trust here, not a fan-in of its own.
        var watch = StackConfig.From(key => key is "memberAccounts" or "organizationId" or "memberRoleName" or "memberExternalId" ? null : context(key));
        var central = context("centralRoleArn")?.ToString() ?? throw new ConfigException("centralRoleArn is required with stack=member: the central stack's FunctionRoleArn output (arn:aws:iam::<central account>:role/<name>)");
        var parts = central.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || !Function.Organization.OrganizationOptions.IsAccountId(parts[4]) || !parts[5].StartsWith("role/", StringComparison.Ordinal))
        {
            throw new ConfigException($"centralRoleArn: '{central}' is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)");
        }
        var org = OrganizationConfig.ReadOrganizationId(context);
        var external = OrganizationConfig.ReadExternalId(context);
        if (org is null && external is null)
        {
            throw new ConfigException("the member role's trust needs organizationId (aws:PrincipalOrgID) or memberExternalId (sts:ExternalId), or both");
        }
        var destination = context("destinationArn")?.ToString() is { Length: > 0 } d
            ? d.StartsWith("arn:", StringComparison.Ordinal) && d.Contains(":destination:", StringComparison.Ordinal) ? d : throw new ConfigException($"destinationArn: '{d}' is not a CloudWatch Logs destination ARN")
            : null;
        var names = (context("repairFunctionNames")?.ToString() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (names.FirstOrDefault(n => n == "*" || n.Length > 64 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '*' or '?')) is { } bad)
        {
            throw new ConfigException($"repairFunctionNames: '{bad}' is not a function name pattern (letters, digits, - and _, with * and ?; a bare * is refused)");
        }
        if (watch.RepairMode == RepairMode.Auto && names.Count == 0)
        {
            throw new ConfigException("repairMode=auto in a member account needs repairFunctionNames: the functions whose policy the central function may add to");
        }
        return new MemberConfig(watch, central, parts[4], destination, org, external, OrganizationConfig.RoleName(context), names);
    }
}
