/**
 * The sensor API: a {@link dev.outpost.sensors.SensorType} turns a
 * {@link dev.outpost.protocol.SensorConfig} into a {@link dev.outpost.sensors.Sensor}, whose
 * blocking {@code measure} gives a {@link dev.outpost.sensors.Reading}; the
 * {@link dev.outpost.sensors.SensorRunner} runs it on its own threads, cuts it off at its timeout,
 * applies the thresholds and hands back a {@link dev.outpost.protocol.Measurement}, never an
 * exception. {@link dev.outpost.sensors.Sensors#builtIn()} is the catalogue of built-in types
 * (implemented in {@code dev.outpost.sensors.impl}); {@code sensors/README.md} lists their settings
 * and values.
 */
package dev.outpost.sensors;
