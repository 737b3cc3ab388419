namespace Floodgate.Server.Tests;

/// <summary>One <c>```csharp</c> block of the README: where it starts, the context its marker names, and its code.</summary>
public sealed record ReadmeSnippet(int Line, string? Context, string Code)
{
    /// <summary>Every C# block of <paramref name="markdown"/>, with the <c>&lt;!-- snippet: context --&gt;</c> line just above it.</summary>
    public static List<ReadmeSnippet> Parse(string markdown)
    {
        var lines = markdown.Split('\n');
        var snippets = new List<ReadmeSnippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimEnd();
            if (fence.TrimStart() != "```csharp")
            {
                continue;
            }

            var indent = fence.Length - fence.TrimStart().Length;
            var marker = i > 0 ? lines[i - 1].Trim() : "";
            string? context = marker.StartsWith("<!-- snippet:", StringComparison.Ordinal) && marker.EndsWith("-->", StringComparison.Ordinal)
                ? marker["<!-- snippet:".Length..^"-->".Length].Trim()
                : null;
            var code = new List<string>();
            var start = i;
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Add(lines[i].Length >= indent ? lines[i][indent..].TrimEnd() : lines[i].TrimEnd());
            }

            snippets.Add(new ReadmeSnippet(start + 1, context, string.Join('\n', code)));
        }

        return snippets;
    }
}
