namespace Remediator.Testing;

/// <summary>The checkout the tests run from: node_modules, tests/browser and the samples are found from its top.</summary>
public static class Repository
{
    /// <summary>The folder holding Remediator.sln, above the test assembly.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Remediator.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Remediator.sln not found above " + AppContext.BaseDirectory);
    }
}
