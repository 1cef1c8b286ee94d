package io.tributary.broker.security;

import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes stored SCRAM credentials: from what AlterUserScramCredentials carries (salt and salted
 * password), and from the clear-text passwords of {@value #INITIAL_USERS} (a node's first
 * users, for a node whose listeners all require authentication). Stateless.
 */
public final class ScramCredentials {
    /** The property naming the SCRAM users a node creates at start, when they do not exist yet. */
    public static final String INITIAL_USERS = "tributary.sasl.scram.initial.users";
    /** The iteration count of an initial user that names none (Kafka's minimum). */
    public static final int DEFAULT_ITERATIONS = ScramMath.MIN_ITERATIONS;

    private ScramCredentials() {
    }

    /**
     * The stored credential for a salted password.
     *
     * @throws IllegalArgumentException (Kafka's message) for an unusable credential: iterations out of
     *         4096..16384, an empty salt or salted password
     */
    public static StoredScramCredential fromSaltedPassword(ScramMechanism mechanism, byte[] salt, byte[] saltedPassword,
                                                           int iterations) {
        if (iterations < ScramMath.MIN_ITERATIONS) throw new IllegalArgumentException("Too few iterations");
        if (iterations > ScramMath.MAX_ITERATIONS) throw new IllegalArgumentException("Too many iterations");
        if (salt == null || salt.length == 0) throw new IllegalArgumentException("Salt must not be empty");
        if (saltedPassword == null || saltedPassword.length == 0) throw new IllegalArgumentException("Salted password must not be empty");
        return new ScramMath(mechanism).credential(salt, saltedPassword, iterations);
    }

    /** The stored credential for a clear-text password, with a random salt. */
    public static StoredScramCredential fromPassword(ScramMechanism mechanism, String password, int iterations) {
        if (iterations < ScramMath.MIN_ITERATIONS || iterations > ScramMath.MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be " + ScramMath.MIN_ITERATIONS + " to " + ScramMath.MAX_ITERATIONS);
        }
        return new ScramMath(mechanism).credential(password, iterations);
    }

    /**
     * Whether {@code password} is the one {@code stored} was made from, checked the way a SCRAM
     * server checks a client proof: salted password, client key, stored key, compared in constant
     * time (for logins without the SCRAM exchange, such as HTTP Basic on the REST API).
     */
    public static boolean passwordMatches(ScramMechanism mechanism, StoredScramCredential stored, String password) {
        ScramMath math = new ScramMath(mechanism);
        byte[] storedKey = math.hash(math.clientKey(math.saltedPassword(password, stored.salt(), stored.iterations())));
        return java.security.MessageDigest.isEqual(storedKey, stored.storedKey());
    }

    /** One user of {@value #INITIAL_USERS}. {@link #toString()} hides the password. */
    public record InitialUser(ScramMechanism mechanism, String name, String password, int iterations) {
        @Override
        public String toString() {
            return mechanism.mechanismName() + "=[name=" + name + ",iterations=" + iterations + "]";
        }
    }

    /**
     * Parses {@value #INITIAL_USERS}: entries like {@code kafka-storage format --add-scram}'s,
     * {@code SCRAM-SHA-256=[name=alice,password=alice-secret,iterations=8192]}, separated by
     * {@code ;} or commas outside the brackets; {@code iterations} defaults to 4096.
     *
     * @throws ConfigException naming the property (never the password) for a malformed entry
     */
    public static List<InitialUser> parseInitialUsers(String value) {
        List<InitialUser> users = new ArrayList<>();
        if (value == null || value.isBlank()) return users;
        List<String> entries = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '[') depth++;
            if (c == ']') depth--;
            if ((c == ';' || c == ',') && depth == 0) {
                entries.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        entries.add(current.toString());
        int index = 0;
        for (String raw : entries) {
            String e = raw.trim();
            if (e.isEmpty()) continue;
            index++;
            int eq = e.indexOf('=');
            if (eq < 0 || !e.endsWith("]") || e.charAt(eq + 1) != '[') throw bad(index, "is not MECHANISM=[name=...,password=...]");
            ScramMechanism mechanism = ScramMechanism.fromMechanismName(e.substring(0, eq).trim().toUpperCase(Locale.ROOT));
            if (mechanism == ScramMechanism.UNKNOWN) throw bad(index, "names no SCRAM mechanism (SCRAM-SHA-256, SCRAM-SHA-512)");
            String name = null;
            String password = null;
            int iterations = DEFAULT_ITERATIONS;
            for (String field : e.substring(eq + 2, e.length() - 1).split(",")) {
                int f = field.indexOf('=');
                if (f < 0) throw bad(index, "has a field that is not key=value");
                String key = field.substring(0, f).trim();
                String v = field.substring(f + 1).trim();
                switch (key) {
                    case "name" -> name = v;
                    case "password" -> password = v;
                    case "iterations" -> {
                        try {
                            iterations = Integer.parseInt(v);
                        } catch (NumberFormatException nan) {
                            throw bad(index, "has iterations that are not a number");
                        }
                    }
                    default -> throw bad(index, "has unknown field " + key + " (name, password, iterations)");
                }
            }
            if (name == null || name.isEmpty()) throw bad(index, "has no name");
            if (password == null || password.isEmpty()) throw bad(index, "has no password");
            if (iterations < ScramMath.MIN_ITERATIONS || iterations > ScramMath.MAX_ITERATIONS) {
                throw bad(index, "has iterations outside " + ScramMath.MIN_ITERATIONS + " to " + ScramMath.MAX_ITERATIONS);
            }
            users.add(new InitialUser(mechanism, name, password, iterations));
        }
        return users;
    }

    private static ConfigException bad(int index, String why) {
        return new ConfigException(INITIAL_USERS + ": entry " + index + " " + why);
    }
}
