import type { Configuration } from 'webpack';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

// The scaffold copies only the root plugin's logos; nested plugins (panels/*) need theirs in
// dist/<nested>/img too, or Grafana shows a broken image in the plugin catalog.
const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: 'panels/*/img/**', to: '.', noErrorOnMissing: false }],
      }),
    ],
  });
};

export default config;
