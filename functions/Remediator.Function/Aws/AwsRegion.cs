namespace Remediator.Function.Aws;

/// <summary>
/// The default region as the AWS SDKs and CLI find it: <c>AWS_REGION</c>, then <c>AWS_DEFAULT_REGION</c>, then the
/// <c>region</c> of the profile (<c>AWS_PROFILE</c>, else <c>default</c>) in the shared config file
/// (<c>AWS_CONFIG_FILE</c>, else <c>~/.aws/config</c>). In Lambda, <c>AWS_REGION</c> is the function's region.
/// A resource ARN's region wins over this default for calls about that resource (see <see cref="AwsEndpoints.RegionOf"/>).
/// </summary>
public static class AwsRegion
{
    public static string? Resolve(Func<string, string?> env)
    {
        if (env("AWS_REGION") is { Length: > 0 } region)
        {
            return region;
        }
        if (env("AWS_DEFAULT_REGION") is { Length: > 0 } fallback)
        {
            return fallback;
        }
        var profile = env("AWS_PROFILE") is { Length: > 0 } p ? p : "default";
        var file = env("AWS_CONFIG_FILE") is { Length: > 0 } f ? f
            : env("HOME") is { Length: > 0 } home ? Path.Combine(home, ".aws", "config") : null;
        return file is not null && File.Exists(file) ? FromConfig(File.ReadAllLines(file), profile) : null;
    }

    /// <summary>The region of a profile in a shared config file: <c>[default]</c> or <c>[profile NAME]</c>.</summary>
    public static string? FromConfig(IEnumerable<string> lines, string profile)
    {
        var wanted = profile == "default" ? "default" : $"profile {profile}";
        var inSection = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                var name = line[1..^1].Trim();
                inSection = name == wanted || (profile == "default" && name == "profile default");
                continue;
            }
            if (inSection && line.Split('=', 2) is [var key, var value] && key.Trim() == "region" && value.Trim().Length > 0)
            {
                return value.Trim();
            }
        }
        return null;
    }
}
