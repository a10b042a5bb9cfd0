/**
 * Files that the cloud moves to and from a machine (seed 004): {@link dev.outpost.hub.files.FileTasks}
 * carries out the tasks of the command channel over a {@link dev.outpost.hub.files.FileRoute};
 * {@link dev.outpost.hub.files.DiagnosticBundle} builds the diagnostic bundle, extended by
 * {@link dev.outpost.hub.files.BundleSection}s.
 */
package dev.outpost.hub.files;
