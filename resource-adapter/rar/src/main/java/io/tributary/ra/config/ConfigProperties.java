package io.tributary.ra.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where the string-valued configuration properties of the resource adapter, its
 * connection factories and its activations are parsed and checked: lists, {@code name=value}
 * pairs, choices, required values and lower bounds. Each rejection is an
 * {@link InvalidPropertyValueException} whose message names the property and quotes the bad value,
 * for example {@code consumerProperties: expected name=value, got 'fetch.min.bytes'}.
 *
 * <p>"Not set" means null or blank, for every property: the container passes an empty string for
 * a property the deployer left out. Stateless and thread-safe.
 */
public final class ConfigProperties {
    private ConfigProperties() {
    }

    /** Whether a property has a value: not null and not blank. */
    public static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** The value trimmed, or {@code fallback} when it is not set. */
    public static String orDefault(String value, String fallback) {
        return isSet(value) ? value.trim() : fallback;
    }

    /**
     * {@code name=value;name=value} (pairs may also stand one a line) as a map in the written order;
     * names and values are trimmed, empty pairs skipped, and a name given twice keeps its last value.
     * Not set is an empty map.
     *
     * @throws InvalidPropertyValueException naming {@code property} when a pair has no name or no {@code =}
     */
    public static Map<String, String> nameValuePairs(String property, String text) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text == null) return pairs;
        for (String part : text.split("[;\\n]")) {
            String pair = part.trim();
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidPropertyValueException(property, text,
                        property + ": expected name=value, got '" + pair + "'");
            }
            pairs.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return pairs;
    }

    /** {@code a, b,} as {@code [a, b]}: entries trimmed, empty ones dropped. Not set is an empty list. */
    public static List<String> commaList(String text) {
        if (text == null) return List.of();
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The value, which must be set.
     *
     * @throws InvalidPropertyValueException naming {@code property} when it is not set
     */
    public static String required(String property, String value) {
        if (!isSet(value)) {
            throw new InvalidPropertyValueException(property, value, property + " is required"
                    + (value == null ? "" : ", got '" + value + "'"));
        }
        return value;
    }

    /**
     * The value in lower case, which must be one of {@code choices} (given in lower case) in any case.
     *
     * @throws InvalidPropertyValueException naming {@code property} and the choices otherwise
     */
    public static String oneOf(String property, String value, List<String> choices) {
        String lower = value == null ? "" : value.toLowerCase(Locale.ROOT);
        if (!choices.contains(lower)) {
            int last = choices.size() - 1;
            String allowed = last == 0 ? choices.get(0)
                    : String.join(", ", choices.subList(0, last)) + " or " + choices.get(last);
            throw new InvalidPropertyValueException(property, value, property + " must be " + allowed + ", got '" + value + "'");
        }
        return lower;
    }

    /**
     * The value, which must be set and at least {@code min}.
     *
     * @throws InvalidPropertyValueException naming {@code property} and the bound otherwise
     */
    public static long atLeast(String property, Number value, long min) {
        if (value == null || value.longValue() < min) {
            throw new InvalidPropertyValueException(property, value, property + " must be at least " + min
                    + ", got " + value);
        }
        return value.longValue();
    }

    /**
     * Checks that exactly one of two alternative properties is set.
     *
     * @throws InvalidPropertyValueException naming both properties and their values otherwise
     */
    public static void exactlyOne(String first, String firstValue, String second, String secondValue) {
        if (isSet(firstValue) == isSet(secondValue)) {
            throw new InvalidPropertyValueException(first, firstValue, "Set exactly one of " + first + " and " + second
                    + " (" + first + "='" + firstValue + "', " + second + "='" + secondValue + "')");
        }
    }
}
