package io.tributary.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One header of a record: a name and its value bytes (null allowed, as in Kafka). A record may
 * carry several headers of one name; their order is the order they were sent in. Immutable: the
 * value is copied in and out.
 */
public final class Header {
    private final String name;
    private final byte[] value;

    public Header(String name, byte[] value) {
        if (name == null) throw new IllegalArgumentException("A header needs a name");
        this.name = name;
        this.value = value == null ? null : value.clone();
    }

    /** A header with a UTF-8 value. */
    public static Header of(String name, String value) {
        return new Header(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public String name() {
        return name;
    }

    public byte[] value() {
        return value == null ? null : value.clone();
    }

    /** The value decoded as UTF-8; null for a null value. */
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    byte[] valueUncopied() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && h.name.equals(name) && Arrays.equals(h.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + "=" + (value == null ? "null" : value.length + " bytes");
    }
}
