/**
 * Which permission requests the desktop app grants: none, except the microphone ('media' with
 * audio only) for the app's own page, which recording in Classify needs. Camera, notifications,
 * geolocation, clipboard, and everything asked by any other page are refused. Kept free of
 * 'electron' so the rule is tested under plain Node; src/main/index.ts wires it to the session.
 */
export interface PermissionAsk {
  permission: string;
  /** The URL of the page (frame) asking. */
  requestingUrl: string;
  /** For 'media': what it wants ('audio', 'video'); absent when Electron does not say. */
  mediaTypes?: readonly string[] | undefined;
}

export function allowPermission(ask: PermissionAsk, isOwnPage: (url: string) => boolean): boolean {
  if (ask.permission !== 'media' || !isOwnPage(ask.requestingUrl)) return false;
  // A request for the camera (or a screen), or one that does not say what it wants, is refused
  // even from our page.
  const types = ask.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'audio');
}
