package io.tributary.ra.config;

import java.util.ArrayList;
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
     * <p>Only the first {@code =} separates name and value. A {@code ;} inside double quotes, or
     * written {@code \;}, belongs to the value ({@code \\} is a backslash), so a JAAS configuration
     * keeps its quoted options. A {@code sasl.jaas.config} value (or {@code <prefix>.sasl.jaas.config})
     * always ends with the {@code ;} that JAAS requires: the one separating it from the next pair is
     * given back, so {@code sasl.jaas.config=...PlainLoginModule required username="a" password="b";}
     * works as written in Kafka's documentation.
     *
     * <p>References in values are expanded ({@link #expandReferences}): {@code ${name}} is the JVM
     * system property {@code name}, {@code ${ENV=NAME}} the environment variable, so a secret the
     * server resolved from its own store (a Payara password alias or WildFly credential-store
     * expression in a system property) can stand inside a longer value such as a JAAS configuration.
     *
     * @throws InvalidPropertyValueException naming {@code property} when a pair has no name or no
     *         {@code =}, a quote is not closed, or a reference names nothing
     */
    public static Map<String, String> nameValuePairs(String property, String text) {
        return nameValuePairs(property, text, System::getProperty, System::getenv);
    }

    /** {@link #nameValuePairs(String, String)} with the lookups of system properties and environment variables given. */
    static Map<String, String> nameValuePairs(String property, String text, java.util.function.UnaryOperator<String> systemProperties,
                                              java.util.function.UnaryOperator<String> environment) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text == null) return pairs;
        for (String part : splitPairs(property, text)) {
            String pair = part.trim();
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidPropertyValueException(property, text,
                        property + ": expected name=value, got '" + pair + "'");
            }
            String name = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            if ((name.equals(JAAS_CONFIG) || name.endsWith("." + JAAS_CONFIG)) && !value.isEmpty() && !value.endsWith(";")) {
                value = value + ";";
            }
            pairs.put(name, expandReferences(property, name, value, systemProperties, environment));
        }
        return pairs;
    }

    private static final java.util.regex.Pattern REFERENCE = java.util.regex.Pattern.compile("\\$\\{(ENV=)?([A-Za-z0-9_.-]+)}");

    /** {@link #expandReferences(String, String, String, java.util.function.UnaryOperator, java.util.function.UnaryOperator)} with this JVM's system properties and environment. */
    public static String expandReferences(String property, String name, String value) {
        return expandReferences(property, name, value, System::getProperty, System::getenv);
    }

    /**
     * {@code value} with each {@code ${name}} replaced by the system property {@code name} and each
     * {@code ${ENV=NAME}} by the environment variable {@code NAME}. Other {@code ${...}} forms, such
     * as Kafka's config-provider references {@code ${file:/path:key}}, are left for the client.
     *
     * @throws InvalidPropertyValueException naming the property, the pair and the reference (never the
     *         value) when a reference names nothing
     */
    static String expandReferences(String property, String name, String value,
                                   java.util.function.UnaryOperator<String> systemProperties,
                                   java.util.function.UnaryOperator<String> environment) {
        if (!value.contains("${")) return value;
        java.util.regex.Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            boolean env = m.group(1) != null;
            String resolved = env ? environment.apply(m.group(2)) : systemProperties.apply(m.group(2));
            if (resolved == null) {
                throw new InvalidPropertyValueException(property, null, property + ": the value of " + name + " refers to "
                        + (env ? "environment variable " : "system property ") + m.group(2) + ", which is not set");
            }
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static final String JAAS_CONFIG = "sasl.jaas.config";

    /** The pairs of {@code text}: split at line breaks and at {@code ;} outside quotes and escapes. */
    private static List<String> splitPairs(String property, String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && (text.charAt(i + 1) == ';' || text.charAt(i + 1) == '\\')) {
                current.append(text.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                current.append(c);
            } else if ((c == ';' && !quoted) || c == '\n' || c == '\r') {
                if (quoted) throw unclosedQuote(property, text, current);
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (quoted) throw unclosedQuote(property, text, current);
        parts.add(current.toString());
        return parts;
    }

    /** Names the pair, never quotes its value (it may be a password). */
    private static InvalidPropertyValueException unclosedQuote(String property, String text, CharSequence pair) {
        String p = pair.toString();
        String name = p.indexOf('=') > 0 ? p.substring(0, p.indexOf('=')).trim() : "a pair";
        return new InvalidPropertyValueException(property, text, property + ": a double quote in the value of " + name
                + " is not closed before the end of its line");
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
     * The value, which must be set and at least {@code min}: {@link #atLeast(String, Number, long)} for a decimal value.
     *
     * @throws InvalidPropertyValueException naming {@code property} and the bound otherwise
     */
    public static double notBelow(String property, Double value, double min) {
        if (value == null || value.isNaN() || value < min) {
            throw new InvalidPropertyValueException(property, value, property + " must be at least " + min
                    + ", got " + value);
        }
        return value;
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
