using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>Whether repairs run: <c>off</c>, <c>dry-run</c> (the default: plan, verify, publish what would be done), <c>auto</c>,
/// <c>approve</c> (plan as dry-run, and a person applies the plan through a signed link).</summary>
public enum RepairMode { Off, DryRun, Auto, Approve }

public enum RepairResult { Repaired, Planned, Refused }

/// <summary>Why a repair was not done. Each is a reason the report states; the names are stable for machines.</summary>
public enum RefusalReason
{
    /// <summary>The log names a function that API Gateway does not integrate with on this API (a forged or stale line).</summary>
    NotAnIntegration,
    /// <summary>API Gateway shows no Lambda integration for the failing route.</summary>
    NoIntegration,
    /// <summary>No longer given: when the log does not say which function failed, every function the API invokes is checked. Kept so the name stays reserved.</summary>
    AmbiguousTarget,
    /// <summary>The function is in another account than the API: advice only.</summary>
    CrossAccount,
    /// <summary>The API's account is not known (the log does not show it).</summary>
    AccountUnknown,
    /// <summary>The function does not match the configured allow-list.</summary>
    NotAllowListed,
    /// <summary>The function is tagged <c>remediator:auto-repair=false</c>.</summary>
    OptedOut,
    /// <summary>The API is not in the configured list of APIs that may be repaired.</summary>
    ApiNotInScope,
    /// <summary>The policy already allows API Gateway for this API: the 500s have another cause.</summary>
    AlreadyAllowed,
    /// <summary>A Deny statement would override any Allow added.</summary>
    ExplicitDeny,
    /// <summary>The policy is at Lambda's 20 KB limit.</summary>
    PolicyFull,
    /// <summary>Remediator's role lacks an IAM action it needs.</summary>
    AccessDenied,
    /// <summary>An AWS call failed (throttling or errors past the retries).</summary>
    AwsError,
    /// <summary>The statement was added but is not in the policy read back.</summary>
    VerificationFailed,
    /// <summary>The per-invocation repair limit was reached.</summary>
    LimitReached,
    /// <summary>Our statement id exists with a different meaning.</summary>
    StatementConflict,
    /// <summary>API Gateway invokes through a credentials role (or could not assume it): the role's trust policy and
    /// permissions are at fault, and a resource-policy statement would not help.</summary>
    CredentialsRole,
    /// <summary>The API is in another account than the function's, and no member role may be assumed there (none
    /// configured, the account not listed, or the role cannot be assumed).</summary>
    NoMemberRole,
    /// <summary>The shared state table (STATE_TABLE) could not be reached: without its lock two environments could write
    /// the same policy at once, so nothing is written until it answers again.</summary>
    StateUnavailable,
    /// <summary>Another environment holds the repair lock of this function and API: it reports what it did.</summary>
    RepairLocked,
}

/// <summary>What a repair planned, did or refused, with why: published like a finding with its own cause value.</summary>
/// <param name="Finding">The finding as the repair resolved it: when the log did not name the function or the route,
/// they come from API Gateway's configuration (and the finding's id from that fuller key).</param>
public sealed record RepairReport(Finding Finding, RepairResult Result, PermissionPlan? Plan, RefusalReason? Refusal, string Detail, IReadOnlyList<string> Checks)
{
    /// <summary>Deferred by the per-invocation budget: the finding is to be tried again by the next delivery.</summary>
    public bool Deferred => Refusal == RefusalReason.LimitReached;

    /// <summary>The policy revision the plan was made against (GetPolicy's RevisionId; empty when there was no policy).</summary>
    public string? PolicyRevisionId { get; init; }

    /// <summary>In approve mode, the signed link a person opens to apply this plan.</summary>
    public string? ApproveUrl { get; init; }

    /// <summary><c>permission_repaired</c>, <c>permission_repair_planned</c> or <c>permission_repair_refused</c>.</summary>
    public string CauseName => Result switch
    {
        RepairResult.Repaired => "permission_repaired",
        RepairResult.Planned => "permission_repair_planned",
        _ => "permission_repair_refused",
    };

    public static string ReasonName(RefusalReason reason) => reason switch
    {
        RefusalReason.NotAnIntegration => "not_an_integration",
        RefusalReason.NoIntegration => "no_integration",
        RefusalReason.AmbiguousTarget => "ambiguous_target",
        RefusalReason.CrossAccount => "cross_account",
        RefusalReason.AccountUnknown => "account_unknown",
        RefusalReason.NotAllowListed => "not_allow_listed",
        RefusalReason.OptedOut => "opted_out",
        RefusalReason.ApiNotInScope => "api_not_in_scope",
        RefusalReason.AlreadyAllowed => "already_allowed",
        RefusalReason.ExplicitDeny => "explicit_deny",
        RefusalReason.PolicyFull => "policy_full",
        RefusalReason.AccessDenied => "access_denied",
        RefusalReason.AwsError => "aws_error",
        RefusalReason.VerificationFailed => "verification_failed",
        RefusalReason.LimitReached => "limit_reached",
        RefusalReason.CredentialsRole => "credentials_role",
        RefusalReason.NoMemberRole => "no_member_role",
        RefusalReason.StateUnavailable => "state_unavailable",
        RefusalReason.RepairLocked => "repair_locked",
        _ => "statement_conflict",
    };
}
