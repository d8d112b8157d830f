import React from 'react';
import { Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const Anomalies = React.lazy(() => import('../../pages/Anomalies'));
const StreamHealth = React.lazy(() => import('../../pages/StreamHealth'));
const Alerts = React.lazy(() => import('../../pages/Alerts'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.StreamHealth} element={<StreamHealth />} />
      <Route path={ROUTES.Alerts} element={<Alerts />} />
      {/* Anomalies is the app's landing page (defaultNav in plugin.json). */}
      <Route path="*" element={<Anomalies />} />
    </Routes>
  );
}

export default App;
