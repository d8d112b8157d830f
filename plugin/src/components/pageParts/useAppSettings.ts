import { usePluginContext } from '@grafana/data';
import { AppSettings, ResolvedSettings, resolveSettings } from '../../pages/settings';

/** The app's settings from its jsonData, with the provisioned defaults for anything unset. */
export function useAppSettings(): ResolvedSettings {
  const context = usePluginContext<AppSettings>();
  return resolveSettings(context?.meta.jsonData);
}
