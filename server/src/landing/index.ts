/**
 * The landing zone: where a source table's raw files arrive, on S3 (or an S3-compatible store) or
 * in a local folder. Uploading a folder, listing a location and mirroring it into a local cache
 * (which DuckDB then reads with read_csv). This module does I/O; it is not part of the pure core.
 */
export { createS3Client, type S3Settings } from './client';
export { LandingError, type LandingErrorCode } from './errors';
export { listLocation, type ListOptions, type RemoteObject } from './list';
export { formatLocation, parseLocation, type LandingLocation } from './location';
export { syncToCache, type SyncOptions, type SyncResult } from './sync';
export { DEFAULT_PART_SIZE, MIN_PART_SIZE, uploadDirectory, type TransferProgress, type UploadOptions, type UploadResult } from './upload';
