package io.tributary.broker.topic;

import org.apache.kafka.common.errors.InvalidTopicException;

/**
 * Kafka's rules for topic names: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, and neither
 * {@code "."} nor {@code ".."}. Names that differ only by '.' versus '_' collide (Kafka's metric
 * names cannot tell them apart), which {@link #collisionKey} detects.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** Throws {@link InvalidTopicException} explaining which rule {@code name} breaks. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidTopicException("Topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidTopicException("Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidTopicException("Topic name \"" + name + "\" is " + name.length()
                    + " characters long; the limit is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new InvalidTopicException("Topic name \"" + name + "\" is illegal: it contains '" + c
                        + "'; only ASCII letters, digits, '.', '_' and '-' are allowed");
            }
        }
    }

    /** The name with '.' replaced by '_': two topics with the same key may not coexist. */
    public static String collisionKey(String name) {
        return name.replace('.', '_');
    }

    /** True for names Kafka reserves for internal topics. */
    public static boolean isInternal(String name) {
        return name.equals("__consumer_offsets") || name.equals("__transaction_state");
    }
}
