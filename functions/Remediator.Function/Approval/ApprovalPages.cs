using System.Net;
using System.Security.Cryptography;
using System.Text;
using Remediator.Core.Repair;

namespace Remediator.Function.Approval;

/// <summary>
/// The approval page's HTML: self-contained (no script, nothing fetched), every value HTML-encoded, served with a
/// Content-Security-Policy that allows only its own style block (by hash) and form posts to itself. The token sits
/// in the address, so the page is never cached and never sent as a referrer.
/// </summary>
public static class ApprovalPages
{
    private const string Style =
        "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem 1.25rem;color:#1b1f24}" +
        "h1{font-size:1.35rem;margin:.4rem 0 1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}" +
        "th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #d8dee4}th{width:11rem;color:#57606a;font-weight:600}" +
        "td{word-break:break-all}pre{background:#f6f8fa;border:1px solid #d8dee4;padding:.6rem;white-space:pre-wrap;word-break:break-all;font-size:13px}" +
        ".note{padding:.6rem .8rem;border-left:4px solid #9a6700;background:#fff8c5;margin:.8rem 0}.ok{border-color:#1a7f37;background:#dafbe1}" +
        ".bad{border-color:#cf222e;background:#ffebe9}button{font:inherit;font-weight:600;padding:.6rem 1.6rem;border:0;border-radius:6px;" +
        "background:#1f883d;color:#fff;cursor:pointer}footer{color:#57606a;font-size:13px;margin-top:1.5rem}";

    /// <summary>The headers every page is sent with.</summary>
    public static Dictionary<string, string> Headers() => new(StringComparer.Ordinal)
    {
        ["Content-Type"] = "text/html; charset=utf-8",
        ["Content-Security-Policy"] = $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ["Cache-Control"] = "no-store",
        ["Referrer-Policy"] = "no-referrer",
        ["X-Content-Type-Options"] = "nosniff",
        ["X-Frame-Options"] = "DENY",
    };

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    /// <summary>The plan, what changes, the undo command and one Approve button (a form POST of the same link).</summary>
    public static string Plan(ApprovalToken token, PermissionPlan plan, string tokenValue, string? notice)
    {
        var sb = Start("Approve a repair: add an invoke permission", "Approve a repair");
        if (notice is not null)
        {
            sb.Append($"<p class=\"note\">{E(notice)}</p>");
        }
        sb.Append("<p>API Gateway cannot invoke this function: it answers 500 on every request that needs it. Approving adds the one statement below, ")
          .Append("after checking again, against API Gateway and Lambda as they are now, everything automatic repair checks.</p>");
        PlanTable(sb, token, plan);
        sb.Append("<h2>What changes</h2><p>One statement is added to the function's resource policy:</p>")
          .Append($"<pre id=\"statement\">{E(plan.StatementJson)}</pre>")
          .Append($"<p>Nothing else changes. Undo at any time:</p><pre id=\"undo\">{E(plan.UndoCommand)}</pre>")
          .Append($"<form method=\"post\"><input type=\"hidden\" name=\"{ApprovalLinks.Parameter}\" value=\"{E(tokenValue)}\"><button type=\"submit\" id=\"approve\">Approve</button></form>")
          .Append($"<footer>This link is valid until {E(token.Expires.ToString("yyyy-MM-dd HH:mm"))} UTC and only for policy revision {E(Show(token.PolicyRevisionId))}.</footer>");
        return End(sb);
    }

    /// <summary>The repair was applied (and verified by reading the policy back).</summary>
    public static string Result(RepairReport report)
    {
        var plan = report.Plan!;
        var sb = Start("Repair applied", "Repair applied");
        sb.Append($"<p class=\"note ok\" id=\"result\">Statement {E(plan.StatementId)} was added to {E(plan.ResourceArn)}: API Gateway may invoke it again from {E(plan.ApiId)}. The policy was read back and allows the request.</p>");
        Checks(sb, report.Checks);
        sb.Append($"<h2>Added</h2><pre id=\"statement\">{E(plan.StatementJson)}</pre>")
          .Append($"<h2>Undo</h2><pre id=\"undo\">{E(plan.UndoCommand)}</pre>")
          .Append($"<p>Make it permanent in the stack that owns the function (its next deploy may remove an out-of-band change):</p><pre>{E(plan.CdkSnippet)}</pre>");
        return End(sb);
    }

    /// <summary>A link used again after its statement is in place: nothing to do.</summary>
    public static string AlreadyApplied(PermissionPlan plan) =>
        Message("Already applied", "note ok", $"Statement {plan.StatementId} is already in the policy of {plan.ResourceArn}; nothing was changed.",
            $"Undo: {plan.UndoCommand}");

    public static string Expired(ApprovalToken token) =>
        Message("This link has expired", "note bad", $"The approval link expired at {token.Expires:yyyy-MM-dd HH:mm} UTC; nothing was changed.",
            "If API Gateway still fails, the next failure's message brings a new link.");

    public static string Tampered(string detail) =>
        Message("This link is not valid", "note bad", $"Nothing was changed: {detail}.", "Use the link exactly as the message gave it.");

    public static string Forbidden(string? sourceIp) =>
        Message("Not from here", "note bad", $"Approvals are not accepted from {sourceIp ?? "an unknown address"}; nothing was changed.",
            "Approve from a network the stack's approvalSourceCidrs names.");

    /// <summary>The policy moved between the plan and the approval: the plan was made again and needs its own approval.</summary>
    public static string Moved(ApprovalToken token, PermissionPlan plan, string newLink)
    {
        var sb = Start("The policy changed", "The policy changed since the plan");
        sb.Append($"<p class=\"note\" id=\"moved\">The policy of {E(plan.ResourceArn)} is no longer at revision {E(Show(token.PolicyRevisionId))}, which this approval was for; nothing was changed. ")
          .Append("Everything was checked again and the statement is still missing. Review the plan again and approve it with the new link:</p>")
          .Append($"<p><a id=\"new-link\" href=\"{E(newLink)}\">Review the new plan</a></p>");
        return End(sb);
    }

    public static string Refused(RepairReport report)
    {
        var sb = Start("Not applied", "Not applied");
        sb.Append($"<p class=\"note bad\" id=\"refused\">Nothing was changed ({E(RepairReport.ReasonName(report.Refusal!.Value))}): {E(report.Detail)}</p>");
        Checks(sb, report.Checks);
        return End(sb);
    }

    public static string Failed(string detail) => Message("Could not check the approval", "note bad", $"Nothing was changed: {detail}", "Try again in a minute.");

    public static string NotFound() => Message("Nothing here", "note", "This address serves Remediator's approval links only.", "");

    private static string Message(string title, string cls, string text, string more)
    {
        var sb = Start(title, title);
        sb.Append($"<p class=\"{cls}\" id=\"message\">{E(text)}</p>");
        if (more.Length > 0)
        {
            sb.Append($"<p>{E(more)}</p>");
        }
        return End(sb);
    }

    private static void PlanTable(StringBuilder sb, ApprovalToken t, PermissionPlan plan)
    {
        sb.Append("<table id=\"plan\">");
        void Row(string label, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                sb.Append($"<tr><th>{E(label)}</th><td>{E(value)}</td></tr>");
            }
        }
        Row("Account", t.AccountId);
        Row("Region", t.Region);
        Row("API", t.ApiId + (t.Stage is null ? "" : " / " + t.Stage));
        Row("Route", t.RouteKey ?? (t.ResourcePath is null ? null : $"{t.HttpMethod} {t.ResourcePath}"));
        Row("Function", plan.ResourceArn);
        Row("Statement id", plan.StatementId);
        Row("Source ARN", plan.SourceArn);
        Row("Policy revision", Show(t.PolicyRevisionId));
        sb.Append("</table>");
    }

    private static void Checks(StringBuilder sb, IReadOnlyList<string> checks)
    {
        if (checks.Count == 0)
        {
            return;
        }
        sb.Append("<h2>Checked</h2><ul>");
        foreach (var c in checks)
        {
            sb.Append($"<li>{E(c)}</li>");
        }
        sb.Append("</ul>");
    }

    private static string Show(string revision) => revision.Length == 0 ? "(no policy yet)" : revision;

    private static StringBuilder Start(string title, string heading) =>
        new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<meta name=\"robots\" content=\"noindex\"><title>").Append(E(title)).Append(" · Remediator</title><style>").Append(Style).Append("</style></head><body>")
            .Append("<h1>").Append(E(heading)).Append("</h1>");

    private static string End(StringBuilder sb) => sb.Append("</body></html>").ToString();
}
