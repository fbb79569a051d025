namespace Ham.Algorithms;

/// <summary>Range checks for options records: the error names the option, the value and the range.</summary>
internal static class Options
{
    public static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1], got {value}");
    }

    public static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, got {value}");
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0, got {value}");
    }
}
