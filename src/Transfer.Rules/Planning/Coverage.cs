using System.Globalization;

namespace Transfer.Rules.Planning;

/// <summary>How reports and messages print element coverage, the same way everywhere.</summary>
internal static class Coverage
{
    /// <summary>The loaded fraction as a percentage with two decimals, e.g. <c>99.52%</c>; 100% only when all load.</summary>
    public static string Percent(long loaded, long total)
    {
        if (total == 0)
        {
            return "100.00%";
        }

        double percent = Math.Floor(loaded * 10000.0 / total) / 100.0;
        return percent.ToString("0.00", CultureInfo.InvariantCulture) + "%";
    }
}
