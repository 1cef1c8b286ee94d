package io.tributary.broker.api;

import org.apache.kafka.common.protocol.ApiMessage;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Writes {@code throttle_time_ms} into a response message of any API: every generated response
 * class with the field has {@code setThrottleTimeMs(int)}, found once per class. The field is
 * ignorable in every version that lacks it, so setting it never breaks serialization. Thread-safe.
 */
final class ThrottleTimeField {
    private static final ClassValue<MethodHandle> SETTERS = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().findVirtual(type, "setThrottleTimeMs", MethodType.methodType(type, int.class));
            } catch (NoSuchMethodException | IllegalAccessException noField) {
                return null;
            }
        }
    };

    private ThrottleTimeField() {
    }

    /** Sets the field of {@code response} to {@code ms}; false when its API has no such field. */
    static boolean set(ApiMessage response, int ms) {
        MethodHandle setter = SETTERS.get(response.getClass());
        if (setter == null) return false;
        try {
            setter.invoke(response, ms);
            return true;
        } catch (Throwable e) {
            throw new IllegalStateException("Cannot set throttle_time_ms of " + response.getClass().getSimpleName(), e);
        }
    }
}
