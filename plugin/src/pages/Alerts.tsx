import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { testIds } from '../components/testIds';

// Routing placeholder from the scaffold; the pages helper replaces this page's body.
function Alerts() {
  return (
    <PluginPage>
      <div data-testid={testIds.alerts.container} />
    </PluginPage>
  );
}

export default Alerts;
