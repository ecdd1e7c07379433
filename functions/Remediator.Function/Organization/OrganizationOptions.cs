namespace Remediator.Function.Organization;

/// <summary>
/// Repair in member accounts (multi-account fan-in, docs/deploy-multi-account.md). Read at cold start with the other
/// options; nothing set means a single-account deployment, which behaves exactly as before.
/// </summary>
/// <param name="MemberRoleName">REMEDIATOR_MEMBER_ROLE_NAME: the role the member stack creates in every member account;
/// the owner account of a delivery makes it <c>arn:{partition}:iam::{account}:role/{name}</c>. None by default: another
/// account's findings are then refused with <c>no_member_role</c>.</param>
/// <param name="ExternalId">REMEDIATOR_MEMBER_EXTERNAL_ID: sent with AssumeRole when the member roles' trust asks for one (sts:ExternalId).</param>
/// <param name="MemberAccounts">REMEDIATOR_MEMBER_ACCOUNTS: when set, only these accounts' roles are assumed; empty means any
/// account whose role trusts the function (the organization's, when its trust uses aws:PrincipalOrgID).</param>
/// <param name="OwnAccount">The function's own account, from the topic ARN: its findings are repaired with the function's own role.</param>
/// <param name="Partition">The partition of the topic ARN (aws, aws-cn, aws-us-gov).</param>
public sealed record OrganizationOptions(string? MemberRoleName, string? ExternalId, IReadOnlyList<string> MemberAccounts, string OwnAccount, string Partition)
{
    public const string MemberRoleNameVariable = "REMEDIATOR_MEMBER_ROLE_NAME";
    public const string ExternalIdVariable = "REMEDIATOR_MEMBER_EXTERNAL_ID";
    public const string MemberAccountsVariable = "REMEDIATOR_MEMBER_ACCOUNTS";

    /// <summary>The variables of this record, beside <see cref="OptionNames.All"/>; the central stack sets them.</summary>
    public static IReadOnlyList<string> Names { get; } = [MemberRoleNameVariable, ExternalIdVariable, MemberAccountsVariable];

    /// <summary>How long assumed credentials live: STS's minimum, so that a leaked set is useful for 15 minutes at most.</summary>
    public static readonly TimeSpan SessionDuration = TimeSpan.FromSeconds(900);

    /// <summary>Credentials are renewed this long before they expire, so that no call starts with a set about to lapse.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);

    /// <summary>The session name member accounts see in CloudTrail (assumed-role/{role}/remediator-repair).</summary>
    public const string SessionName = "remediator-repair";

    public bool Enabled => MemberRoleName is not null;

    /// <summary>The member role of <paramref name="account"/>, or null when none may be assumed there.</summary>
    public string? RoleArn(string account) =>
        MemberRoleName is null || !IsAccountId(account) || account == OwnAccount || (MemberAccounts.Count > 0 && !MemberAccounts.Contains(account, StringComparer.Ordinal))
            ? null
            : $"arn:{Partition}:iam::{account}:role/{MemberRoleName}";

    public static bool IsAccountId(string? s) => s is { Length: 12 } && s.All(char.IsAsciiDigit);

    public static OrganizationOptions Load(Func<string, string?> env, string topicArn)
    {
        var parts = topicArn.Split(':');
        var (partition, own) = parts.Length == 6 ? (parts[1], parts[4]) : ("aws", "");
        var role = env(MemberRoleNameVariable)?.Trim() is { Length: > 0 } r ? r : null;
        // IAM role names: letters, digits and +=,.@_- up to 64 (a path is not part of the pattern: keep the role at /).
        if (role is not null && (role.Length > 64 || !role.All(c => char.IsAsciiLetterOrDigit(c) || "+=,.@_-".Contains(c))))
        {
            throw new OptionsException($"{MemberRoleNameVariable} must be an IAM role name (letters, digits and +=,.@_-, at most 64), got '{role}'");
        }
        var external = env(ExternalIdVariable)?.Trim() is { Length: > 0 } x ? x : null;
        // botocore externalIdType: 2 to 1224 characters of [\w+=,.@:/-].
        if (external is not null && (external.Length is < 2 or > 1224 || !external.All(c => char.IsAsciiLetterOrDigit(c) || "_+=,.@:/-".Contains(c))))
        {
            throw new OptionsException($"{ExternalIdVariable} must be 2 to 1224 characters of letters, digits and _+=,.@:/-");
        }
        var accounts = (env(MemberAccountsVariable) ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (accounts.FirstOrDefault(a => !IsAccountId(a)) is { } bad)
        {
            throw new OptionsException($"{MemberAccountsVariable}: '{bad}' is not a 12-digit account id");
        }
        return new OrganizationOptions(role, external, accounts, own, partition);
    }
}
